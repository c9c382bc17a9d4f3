/* report.h - `wsclosed report`: many captures or JSON Lines files in, one
 * summary of the night out (text or JSON on stdout, optionally an HTML page
 * and a SQLite history).
 *
 *   INPUTs ──> report-input ──> captures ──> analyzer ──(record callback)──┐
 *                          └──> JSON Lines ──> report-jsonl ───────────────┤
 *                                                                          v
 *        report-agg: ws_conn -> ws_report_rec -> ws_report (report-model) ─┬─> history (SQLite)
 *                                                                          └─> report-summary (text,
 *                                                                              json), html
 */
#ifndef WS_REPORT_H
#define WS_REPORT_H

#include <stdbool.h>

/* What `wsclosed report` is asked to do (main.c reads it from the command
 * line: its options are in the one table of both commands). */
typedef struct {
  const char *html;              /* --html FILE: the page; NULL: none */
  const char *db;                /* --db FILE: the history; NULL: none */
  bool history;                  /* --history: db defaults to ws_history_default_path () */
  const char *label;             /* NULL: the local date of the first connection */
  bool json_out;                 /* -F json (else text) */
  const char *lang;              /* --lang given (JSON strings translated too) */
  char **inputs;                 /* captures, directories, JSON Lines files */
} ws_report_opts;

/* Read the inputs and write the summary (and the page, the history).
 * Returns the exit status (0 ok, 2 some input could not be read, 3 output
 * not written). */
int ws_report_run (const ws_report_opts *op);

#endif
