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

/* The software a User-Agent or Server header names, as an index for the two
 * functions below, or -1 when none is known.  Remembers the last few
 * headers (per thread). */
int ws_software_of (const char *header);
/* Its name ("nginx", "a Chromium-based browser", ...); NULL for -1. */
const char *ws_software_name (int software);
/* Does it sit in front of servers (nginx, Envoy, a load balancer)? */
bool ws_software_is_proxy (int software);

#endif
