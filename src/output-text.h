/* output-text.h - the text report: a table row (and the lines under it) a
 * connection, and totals at the end from a tally of the records written. */
#ifndef WS_OUTPUT_TEXT_H
#define WS_OUTPUT_TEXT_H

#include <glib.h>
#include "conn.h"

/* The text is laid out for a terminal of width columns (at least 40): no
 * line is wider, except where one word is (a wire value that cannot be
 * broken: a long path, a token, a close reason without spaces, two IPv6
 * endpoints), which stands whole on its line. */

/* Append text (safe for a terminal, valid UTF-8) wrapped at spaces: the
 * first line after first, the others after cont; a word longer than a
 * line stands whole on its own line. */
void ws_text_wrap (GString *out, const char *first, const char *text, size_t width,
                   const char *cont);

/* What the text report keeps across records: the totals, which fixes were
 * shown, the date last shown. */
typedef struct ws_text_tally ws_text_tally;

/* The note on the time convention and the column titles. */
void ws_text_header (ws_text_tally *t, GString *out, size_t width);
/* One connection: its row (END, CLIENT -> SERVER, HS, CLOSE, HOST/PATH),
 * then its cause on the next line, the fix (once for each cause), the
 * close reason, (verbose) the evidence in time order and the frames, the
 * violations and limits hit. */
void ws_text_record (ws_text_tally *t, GString *out, const ws_conn *c, bool verbose,
                     size_t width);

ws_text_tally *ws_text_tally_new (void);
void ws_text_tally_add (ws_text_tally *t, const ws_conn *c);
/* The totals block; stats (may be NULL) adds the capture's counters. */
void ws_text_totals (const ws_text_tally *t, GString *out, const ws_counters *stats,
                     size_t width);
void ws_text_tally_free (ws_text_tally *t);

#endif
