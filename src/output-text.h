/* output-text.h - the text report: a table row (and the lines under it) a
 * connection, and totals at the end from a tally of the records written. */
#ifndef WS_OUTPUT_TEXT_H
#define WS_OUTPUT_TEXT_H

#include <glib.h>
#include "conn.h"

/* The column titles (with the newline). */
void ws_text_header (GString *out);
/* One connection: its row, then the cause, fix, (verbose) evidence,
 * violations and limits hit, each on lines of their own. */
void ws_text_record (GString *out, const ws_conn *c, bool verbose);

/* What the totals count, from the records written. */
typedef struct ws_text_tally ws_text_tally;
ws_text_tally *ws_text_tally_new (void);
void ws_text_tally_add (ws_text_tally *t, const ws_conn *c);
/* The totals block; stats (may be NULL) adds the capture's counters. */
void ws_text_totals (const ws_text_tally *t, GString *out, const ws_counters *stats);
void ws_text_tally_free (ws_text_tally *t);

#endif
