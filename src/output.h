/* output.h - report writers: a text table (with the cause under each
 * connection and totals), JSON Lines, CSV.  Strings from the wire are escaped
 * for each format (JSON: invalid UTF-8 bytes become U+FFFD; CSV: quoted,
 * formula-safe, control characters but TAB, LF and CR shown as \xNN; text:
 * control characters shown as \xNN).
 */
#ifndef WS_OUTPUT_H
#define WS_OUTPUT_H

#include <stdio.h>
#include "conn.h"

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

/* One JSON object (no newline) for a record: the contract keys. */
void ws_json_record (GString *out, const ws_conn *c);
/* Escape helpers, exposed for tests and other writers. */
void ws_json_string (GString *out, const char *s, size_t len); /* with quotes; NULL -> null */
void ws_csv_field (GString *out, const char *s);               /* NULL -> empty */
void ws_csv_field_len (GString *out, const char *s, size_t len); /* NUL bytes kept */
void ws_text_safe (GString *out, const char *s, size_t len);   /* no control chars */
/* microseconds since the epoch as seconds with 6 decimals */
void ws_ts_append (GString *out, int64_t ts_us);

ws_format ws_format_parse (const char *name, bool *ok);

#endif
