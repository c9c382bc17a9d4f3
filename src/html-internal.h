/* html-internal.h - what the files of the HTML page (html*.c) share: the
 * formatting pieces of html-fmt.c and the parts of the page, each appending
 * to o.  Not for use outside html*.c; html.h is the page's interface (not
 * included here, so that html.c and its parts form no include cycle).
 */
#ifndef WS_HTML_INTERNAL_H
#define WS_HTML_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "report-model.h"

/* The colour of the series beyond the 8 drawn, and of unknown bins. */
#define OTHER_COLOUR "#9e9e9e"

/* html-fmt.c.  A string from the wire (or a contract id): isolated, left
 * to right, so that an Arabic page neither reorders it nor is reordered by
 * it; html_code does the same in <code>. */
void html_wire (GString *o, const char *s);
void html_code (GString *o, const char *s);
/* Numbers in the reader's language (ws_i18n_language: "ar", "pt..", else
 * English). */
void html_num (GString *o, uint64_t v);
void html_num1 (GString *o, double v);          /* one decimal */
void html_pct (GString *o, double share);       /* a share as a percentage */
char *html_num_str (uint64_t v);                /* html_num as a new string */
/* The count under k in a table key -> uint64_t* (0: absent, or h NULL). */
uint64_t html_count (GHashTable *h, const char *k);
/* A local time (fmt as g_date_time_format) isolated left to right. */
void html_time (GString *o, int64_t ts_us, const char *fmt);
void html_duration (GString *o, int64_t us);

/* html-timechart.c: closes over time by code or (by_cause) by cause. */
void html_chart_time (GString *o, const ws_report *rp, bool by_cause, const char *id,
                      const char *title);
/* html-bars.c: the 10 largest of a table (by abnormal count when abnormal),
 * and the idle time before 1006 closes. */
void html_chart_hbars (GString *o, GHashTable *h, bool abnormal, const char *id,
                       const char *title, const char *empty);
void html_chart_idle (GString *o, const ws_report *rp);

/* html-tables.c (cmp may be NULL: no section) */
void html_section_changes (GString *o, const ws_history_cmp *cmp);
void html_section_storms (GString *o, const ws_report *rp);
void html_section_tls (GString *o, const ws_report *rp);
void html_section_skipped (GString *o, const ws_report *rp);

/* html-cards.c */
void html_section_top (GString *o, const ws_report *rp);

#endif
