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

/* argv[0] is "report".  Returns the exit status (0 ok, 1 usage, 2 some
 * input could not be read, 3 output not written). */
int ws_report_main (int argc, char **argv);

#endif
