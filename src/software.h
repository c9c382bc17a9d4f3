/* software.h - fingerprints: which WebSocket library wrote a close reason,
 * which software a User-Agent or Server header names (and whether it is a
 * proxy or load balancer, whose idle timeout may end connections).  The
 * tables are in software.c. */
#ifndef WS_SOFTWARE_H
#define WS_SOFTWARE_H

#include <stdbool.h>

/* The library whose wording a close reason is ("Python websockets", "Node
 * ws", ...), or NULL; *note (when note is set): what that wording tells,
 * or NULL. */
const char *ws_reason_library (const char *reason, const char **note);

/* Software a User-Agent or Server header names. */
typedef struct {
  const char *name;       /* "nginx", "a Chromium-based browser", ... */
  bool proxy;             /* it sits in front of servers (nginx, Envoy, a load
                           * balancer): its idle timeout may end connections */
} ws_software;

/* The software a header names, NULL when none is known.  Remembers the
 * last few headers in memo (the analyzer's, context.h; NULL: none). */
struct ws_sw_memo;
const ws_software *ws_software_of (struct ws_sw_memo *memo, const char *header);

#endif
