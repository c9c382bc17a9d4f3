/* report-summary.h - the summaries of `wsclosed report` on standard output:
 * text for a person, one JSON object for a program.
 */
#ifndef WS_REPORT_SUMMARY_H
#define WS_REPORT_SUMMARY_H

#include "report-model.h"

/* Append the summary of rp to o.  label may be NULL (text only); cmp NULL
 * when no history was kept. */
void ws_report_text_summary (GString *o, const ws_report *rp, const char *label,
                             const ws_history_cmp *cmp);
void ws_report_json_summary (GString *o, const ws_report *rp, const char *label,
                             const ws_history_cmp *cmp);

#endif
