/* output-summary.h - --summary: connections grouped by cause, server and
 * path (without its query string), with counts and one example each, in
 * each format. */
#ifndef WS_OUTPUT_SUMMARY_H
#define WS_OUTPUT_SUMMARY_H

#include <glib.h>
#include "conn.h"

typedef struct ws_summary ws_summary;

ws_summary *ws_summary_new (void);
void ws_summary_add (ws_summary *s, const ws_conn *c);
/* The groups, most connections first: text (wrapped to width), JSON Lines
 * (one object a group) or CSV (with its header row).  fmt is a ws_format. */
void ws_summary_write (const ws_summary *s, GString *out, int fmt, size_t width);
void ws_summary_free (ws_summary *s);

#endif
