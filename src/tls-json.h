/* tls-json.h - the "tls" object of a JSON record (see README, wss). */
#ifndef WS_TLS_JSON_H
#define WS_TLS_JSON_H

#include <glib.h>

#include "conn.h"

/* Append ,"tls":{...} to out when the connection went through the TLS
 * stage; nothing otherwise.  No secret is ever written. */
void ws_tls_json (GString *out, const ws_conn *c);

#endif
