/* html.c - the report as one HTML page: inline CSS, charts as inline SVG,
 * no script, font, image or link to anything outside, so it can be mailed.
 *
 *   header, totals (tiles), what changed (rates, red for worse)
 *   closes over time by close code / by cause    stacked bars, buckets sized
 *                                                to the span (1 min .. 1 day)
 *   close storms, TLS, traffic skipped           tables
 *   servers / Hosts / routes by abnormal closes  bars (HTML, never clipped)
 *   idle time before 1006, handshake failures    bars, idle in bins around
 *                                                the usual proxy timeouts
 *   connections that matter most                 <details> per cause, one fix
 *
 * Colours are a property of the close code or cause, the same in every run
 * and every chart (series_colour).  Every UI string goes through _(): the
 * page is in the language of the messages, right-to-left for Arabic (CSS
 * logical properties mirror the layout; the SVG charts are mirrored by hand),
 * and strings from the wire (paths, hosts, reasons, addresses) are isolated
 * left-to-right in <bdi dir="ltr">.  Counts are written with the language's
 * digits and separators; times stay ISO (as in the logs they are matched
 * with).  Everything that is text in the page goes through ws_html_escape.
 * @media print gives a plain, page-broken version.
 *
 * This file holds the page's skeleton (CSS, header, tiles, the order of
 * the parts); the parts are in html-fmt.c (escaping, numbers, times,
 * colours), html-timechart.c, html-bars.c, html-tables.c and
 * html-cards.c.
 */
#include "config.h"

#include <string.h>

#include "html-internal.h"
#include "html.h"
#include "i18n.h"

/* Logical properties (inline-start/end) throughout: the same rules lay the
 * page out left to right and right to left. */
static const char css[] =
  ":root{--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--bg:#fff;--card:#f6f8fa}"
  "*{box-sizing:border-box}"
  "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans Arabic',"
  "sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;padding:16px 24px;max-width:1180px}"
  "h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.1em;margin:.2em 0 .5em}"
  ".sub{color:var(--muted);margin:0 0 1em}"
  ".tiles{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:12px 0}"
  ".tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px}"
  ".tile b{display:block;font-size:1.8em}.tile.bad b{color:#d32f2f}"
  ".chart-box{border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin:12px 0;"
  "break-inside:avoid;page-break-inside:avoid;min-inline-size:0}"
  ".grid2{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:12px}"
  ".grid3{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:12px}"
  ".grid2 .chart-box,.grid3 .chart-box{margin:0}"
  "svg.chart{width:100%;height:auto;display:block}"
  "svg .grid{stroke:#e5e7eb;stroke-width:1}svg text{font-size:12px;fill:#57606a}"
  "svg text.day{font-size:11px;fill:#1f2328}"
  ".hbars{display:grid;grid-template-columns:minmax(0,max-content) minmax(3em,1fr) max-content;"
  "gap:4px 8px;align-items:center;font-size:.88em}"
  ".hbars.idle{grid-template-columns:max-content minmax(3em,1fr) max-content minmax(0,1fr)}"
  ".hb{display:contents}.hb .k{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;"
  "max-inline-size:16em}[dir=rtl] .hb .k.w{text-align:right}"
  ".hb .b{display:block;block-size:14px}.hb .b i{display:block;block-size:100%;border-radius:2px}"
  ".hb .v{white-space:nowrap;font-variant-numeric:tabular-nums}"
  ".hb .h{color:var(--muted);font-size:.9em;min-inline-size:0}"
  ".hbars:not(.idle) .hb .h{display:none}"
  ".legend span{display:inline-block;margin-block:2px;margin-inline:0 10px;font-size:.9em}"
  ".legend i{display:inline-block;width:11px;height:11px;margin-inline-end:4px;border-radius:2px;"
  "vertical-align:-1px}"
  ".note,.empty{color:var(--muted);font-size:.88em;margin:.4em 0 0}"
  "table{border-collapse:collapse;width:100%;font-size:.92em}"
  "th,td{text-align:start;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}"
  "td.num,th.num{text-align:end;font-variant-numeric:tabular-nums;white-space:nowrap}"
  ".worse{color:#d32f2f;font-weight:600}.better{color:#2e7d32}.same{color:var(--muted)}"
  ".new{background:#d32f2f;color:#fff;border-radius:4px;padding:0 5px;font-size:.8em}"
  "details.cause{border:1px solid var(--line);border-inline-start:5px solid var(--c,#d32f2f);"
  "border-radius:6px;padding:6px 12px;margin:10px 0}"
  "details.cause>summary{cursor:pointer;font-weight:600}"
  "details.cause>summary .n{color:var(--muted);font-weight:400}"
  ".conn{border-top:1px solid var(--line);padding:6px 0;break-inside:avoid;page-break-inside:avoid}"
  ".conn h3{font-size:.95em;margin:0 0 2px}.meta{color:var(--muted);font-size:.88em}"
  ".fix{background:#fff8e1;border-radius:4px;padding:4px 8px;margin:6px 0}"
  ".conn ul{margin:4px 0;padding-inline-start:20px;font-size:.88em}"
  "code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}"
  "bdi{unicode-bidi:isolate}td code{overflow-wrap:normal;white-space:nowrap}"
  "footer{color:var(--muted);font-size:.8em;margin-top:24px}"
  "@media (max-width:900px){.grid2,.grid3{grid-template-columns:minmax(0,1fr)}"
  ".tiles{grid-template-columns:repeat(2,1fr)}}"
  "@media print{@page{size:A4;margin:12mm}body{max-width:none;padding:0;font-size:10pt}"
  ".tiles{grid-template-columns:repeat(4,1fr)}.grid3{grid-template-columns:repeat(3,minmax(0,1fr))}"
  ".grid2{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}.chart-box,details.cause{border-color:#999}"
  ".fix{background:none;border:1px solid #999}}";

static void
tile (GString *o, const char *name, uint64_t v, bool bad)
{
  g_string_append_printf (o, "<div class=\"tile%s\"><b>", bad && v ? " bad" : "");
  html_num (o, v);
  g_string_append_printf (o, "</b>%s</div>", name);
}

/* Whether more of this is worse (failures), better or neither. */
void
ws_html_page (GString *o, const ws_report *rp, const char *label, const ws_history_cmp *cmp)
{
  const char *lang = ws_i18n_language ();
  bool rtl = ws_i18n_rtl ();
  char htmllang[8];
  g_strlcpy (htmllang, lang, sizeof htmllang);
  for (char *p = htmllang; *p; p++)
    if (*p == '_')
      *p = '-';
  g_string_append_printf (o, "<!DOCTYPE html>\n<html lang=\"%s\" dir=\"%s\"><head>"
                          "<meta charset=\"utf-8\">\n"
                          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                          "<title>%s \xE2\x80\x94 ", htmllang, rtl ? "rtl" : "ltr",
                          _("WebSocket closes"));
  ws_html_escape (o, label);
  g_string_append_printf (o, "</title>\n<style>%s</style></head><body>\n<header><h1>%s \xE2\x80\x94 ",
                          css, _("WebSocket closes"));
  html_wire (o, label);
  g_string_append (o, "</h1><p class=\"sub\">");
  if (rp->first_us)
    {
      html_time (o, rp->first_us, "%Y-%m-%d %H:%M");
      g_string_append (o, " \xE2\x80\x93 ");
      html_time (o, MAX (rp->last_us, rp->first_us), "%Y-%m-%d %H:%M %Z");
    }
  else
    g_string_append (o, _("No WebSocket connections in the input."));
  g_string_append (o, "</p></header>\n<div class=\"tiles\">");
  tile (o, _("connections"), rp->connections, false);
  tile (o, _("abnormal closes"), rp->abnormal_closes, true);
  tile (o, _("handshake failures"), rp->handshake_failures, true);
  tile (o, _("still open at the end"), rp->still_open, false);
  g_string_append (o, "</div>\n");
  html_section_changes (o, cmp);
  html_chart_time (o, rp, false, "chart-codes", _("Closes over time by close code"));
  html_chart_time (o, rp, true, "chart-causes", _("Closes over time by cause"));
  html_section_storms (o, rp);
  g_string_append (o, "<div class=\"grid3\">\n");
  html_chart_hbars (o, rp->by_server, true, "chart-servers", _("Servers by abnormal closes"),
               _("No abnormal closes."));
  html_chart_hbars (o, rp->by_host, true, "chart-hosts", _("Hosts by abnormal closes"),
               _("No abnormal closes."));
  html_chart_hbars (o, rp->by_route, true, "chart-paths", _("Routes by abnormal closes"),
               _("No abnormal closes."));
  g_string_append (o, "</div>\n<div class=\"grid2\">\n");
  html_chart_idle (o, rp);
  html_chart_hbars (o, rp->hs_fail, false, "chart-handshake", _("Handshake failures"),
               _("No failed handshakes."));
  g_string_append (o, "</div>\n");
  html_section_top (o, rp);
  html_section_tls (o, rp);
  html_section_skipped (o, rp);
  g_string_append_printf (o, "<footer>wsclosed " PACKAGE_VERSION " \xC2\xB7 %s \xC2\xB7 %s</footer>\n"
                          "</body></html>\n",
                          _("abnormal = a close code other than 1000, 1001 and 1005, or a failed "
                            "handshake"),
                          _("wsclosed --explain CODE tells more about a code or a cause."));
}

gboolean
ws_html_write (const char *path, const ws_report *rp, const char *label,
               const ws_history_cmp *cmp, GError **error)
{
  GString *o = g_string_new (NULL);
  ws_html_page (o, rp, label, cmp);
  gboolean ok = g_file_set_contents (path, o->str, (gssize) o->len, error);
  g_string_free (o, TRUE);
  return ok;
}
