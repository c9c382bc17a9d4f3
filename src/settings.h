/* settings.h - what the options decide for the analysis: limits and
 * switches, read by the stages (tcp, conn, wsframe, the handshake, the TLS
 * stage).  One value, built by main (or the daemon, a test, a fuzzer)
 * before any analyzer exists and read-only from then: every analyzer holds
 * a const pointer to it (context.h), so several may share it.
 */
#ifndef WS_SETTINGS_H
#define WS_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ws_keylog;

/* Limits in force. */
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

/* The TLS stage (tlsconn.h). */
typedef struct {
  /* NULL: no key log (the stage still parses handshakes).  The key log
   * object is not read-only: main creates it when a pcapng brings secrets
   * (one analyzer), and live (follow) each refresh adds the lines written
   * since (the daemon: one analyzer). */
  struct ws_keylog *keylog;
  /* live: the key log files are read again as they grow (ws_tls_refresh),
   * and each connection holds up to hold_bytes of records whose key has
   * not come yet */
  char **paths;                   /* borrowed */
  bool follow;
  size_t hold_bytes;
  bool list;                      /* --tls: a record for every TLS connection not
                                   * decrypted, even without a key log */
} ws_tls_settings;

typedef struct ws_settings {
  ws_limits limits;
  ws_tls_settings tls;
} ws_settings;

/* The defaults: what wsclosed does without options (exact: inflate and
 * check UTF-8). */
void ws_settings_init (ws_settings *s);
void ws_limits_init_defaults (ws_limits *l);

#endif
