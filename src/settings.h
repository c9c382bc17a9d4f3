/* settings.h - what the options decide for the analysis: limits and
 * switches, read by the stages (tcp, conn, wsframe, the handshake).  A
 * leaf header: it includes nothing of the project.
 */
#ifndef WS_SETTINGS_H
#define WS_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits in force (set once from options). */
typedef struct {
  size_t max_header_bytes;        /* per handshake message */
  size_t max_ooo_bytes_per_conn;  /* out-of-order data kept per direction */
  size_t max_ooo_bytes_total;
  size_t max_conns;               /* connections tracked at once */
  size_t max_inflaters;           /* concurrent permessage-deflate contexts */
  uint64_t max_inflate_bytes;     /* inflated size measured per message */
  size_t max_close_reason;        /* close payload bytes kept */
  bool check_utf8;                /* validate text messages */
  bool inflate;                   /* inflate compressed messages to measure them */
  bool inflate_lazy;              /* keep them and inflate only for connections whose
                                   * diagnosis can depend on them (wsframe.c) */
  bool no_redact;                 /* --no-redact: keep secrets in the records */
} ws_limits;

extern ws_limits ws_limits_cfg;
void ws_limits_init_defaults (ws_limits *l);

#endif
