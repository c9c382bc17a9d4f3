/* html.h - the report as one self-contained HTML page (inline CSS and SVG,
 * no script, font or image from anywhere) that can be mailed, read on a
 * laptop and printed.
 */
#ifndef WS_HTML_H
#define WS_HTML_H

#include <glib.h>

#include "report-model.h"

/* Append s with & < > " ' escaped (and control characters shown as \xNN),
 * safe in text and in quoted attribute values.  NULL appends nothing.  Every
 * string in the page goes through here. */
void ws_html_escape (GString *out, const char *s);

/* The colour of a close code ("1006", "open") or a cause id in every chart
 * of every run: a fixed table for the known ones, a hash for the others. */
const char *ws_html_series_colour (const char *key);

/* The whole page, in the language of the messages (i18n.h).  cmp may be NULL (no history). */
void ws_html_page (GString *out, const ws_report *rp, const char *label,
                   const ws_history_cmp *cmp);

/* Write the page to path (written to a temporary file, then renamed). */
gboolean ws_html_write (const char *path, const ws_report *rp, const char *label,
                        const ws_history_cmp *cmp, GError **error);

#endif
