/* report-agg.h - aggregation of `wsclosed report`: diagnosed connections,
 * straight from the analyzer, become records (report-model.h) that are
 * counted into the night.  Reading a JSON Lines file ends in the same
 * ws_report_add (report-jsonl.h).
 */
#ifndef WS_REPORT_AGG_H
#define WS_REPORT_AGG_H

#include "conn.h"
#include "report-model.h"

/* From a connection after ws_diagnose (with its evidence). */
ws_report_rec *ws_report_rec_from_conn (const ws_conn *c);

/* Count r into rp; takes ownership (r is kept only while it ranks in the
 * top WS_REPORT_TOP). */
void ws_report_add (ws_report *rp, ws_report_rec *r);

#endif
