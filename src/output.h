/* output.h - the writer: connection records as a text table (with the
 * cause under each connection and totals), JSON Lines or CSV, to a stream.
 * The formats themselves are output-text.h, output-json.h, output-csv.h;
 * the escaping of strings from the wire for each is output-escape.h.
 */
#ifndef WS_OUTPUT_H
#define WS_OUTPUT_H

#include <stdio.h>
#include "conn.h"
#include "output-escape.h"
#include "output-json.h"

typedef enum { WS_FMT_TEXT = 0, WS_FMT_JSON, WS_FMT_CSV } ws_format;

typedef struct ws_writer ws_writer;

/* out is borrowed.  flush: fflush after every record (daemon). */
ws_writer *ws_writer_new (FILE *out, ws_format fmt, bool flush);
/* Whether the records written show the evidence behind a cause (JSON, and
 * the text table with verbose set). */
bool ws_writer_shows_evidence (const ws_writer *w);
/* Text: also list the evidence under each connection. */
void ws_writer_set_verbose (ws_writer *w, bool verbose);
/* Replace the stream (SIGHUP reopen); the old one is not closed. */
void ws_writer_set_stream (ws_writer *w, FILE *out);
/* Write one record.  Returns false when the stream reported an error. */
bool ws_writer_record (ws_writer *w, const ws_conn *c);
/* End of the report: text prints totals (by close code, by cause, encrypted,
 * skipped, limits hit) from the records written and the counters; JSON and
 * CSV print nothing. */
void ws_writer_finish (ws_writer *w, const ws_counters *stats);
void ws_writer_free (ws_writer *w);

/* Daemon mode: output the file does not take (disk full) is kept, up to
 * max_bytes, and written by ws_writer_retry (true when nothing is left);
 * records beyond the limit are dropped and counted.  Needs flush mode. */
void ws_writer_set_backlog (ws_writer *w, size_t max_bytes);
bool ws_writer_retry (ws_writer *w);
size_t ws_writer_backlog (const ws_writer *w);
uint64_t ws_writer_dropped (const ws_writer *w);
uint64_t ws_writer_failures (const ws_writer *w); /* writes the file did not take */

ws_format ws_format_parse (const char *name, bool *ok);

/* The output file: standard output for NULL or "-"; otherwise created, and
 * truncated (the command, mode 0644) or appended to (the daemon, 0640, so
 * that a restart or SIGHUP keeps what was written). */
FILE *ws_output_open (const char *path, bool append, GError **error);

#endif
