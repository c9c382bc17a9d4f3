/* explain.h - the text (or JSON) of `wsclosed --explain A [B ...]`. */
#ifndef WS_EXPLAIN_H
#define WS_EXPLAIN_H

#include <glib.h>
#include <stdbool.h>

/* Pages for n close codes, HTTP statuses of failed handshakes, keys or
 * cause ids, and with two or more the difference between them.  json: one
 * JSON object {"items": [...], "difference": {...}} and a newline.  NULL
 * with error set when an argument names nothing (the error names it). */
char *ws_explain (char **args, int n, bool json, GError **error);

#endif
