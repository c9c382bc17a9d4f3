/* html-cards.c - "connections that matter most": the top connections
 * grouped by cause in <details>, one fix a group, a card a connection
 * (title, when/who/where line, summary, evidence).
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "causeinfo.h"
#include "closecodes.h"
#include "html-internal.h"
#include "html.h"
#include "i18n.h"

static void
endpoint (GString *o, const char *ip, unsigned port)
{
  g_autofree char *e = ws_report_endpoint (ip, port);
  html_code (o, e);
}

static const char *
side_name (ws_side s)
{
  return s == WS_SIDE_CLIENT ? _("the client") : s == WS_SIDE_SERVER ? _("the server") : "?";
}

/* The line under a connection's title: when, who, where, how it ended. */
static void
card_meta (GString *o, const ws_report_rec *r)
{
  g_string_append (o, "<div class=\"meta\">");
  if (r->end_us)
    html_time (o, r->end_us, "%Y-%m-%d %H:%M:%S %Z");
  g_string_append (o, " \xC2\xB7 ");
  endpoint (o, r->client_ip, r->client_port);
  g_string_append (o, " \xE2\x86\x92 ");
  endpoint (o, r->server_ip, r->server_port);
  if (r->host || r->path)
    {
      g_autofree char *hp = g_strconcat (r->host ? r->host : "", r->path ? r->path : "", NULL);
      g_string_append (o, " \xC2\xB7 ");
      html_code (o, hp);
    }
  if (r->close_reason)
    {
      g_string_append_printf (o, " \xC2\xB7 %s ", _("reason"));
      html_code (o, r->close_reason);
    }
  if (r->close_initiator != WS_SIDE_NONE)
    g_string_append_printf (o, " \xC2\xB7 %s", r->close_initiator == WS_SIDE_CLIENT
                            ? _("closed by the client") : _("closed by the server"));
  g_string_append (o, " \xC2\xB7 TCP ");
  html_wire (o, ws_tcp_end_name (r->tcp_end));
  if (r->tcp_end_by != WS_SIDE_NONE)
    g_string_append_printf (o, " (%s)", side_name (r->tcp_end_by));
  if (r->idle_us >= 0 && r->close_code == 1006)
    {
      g_string_append_printf (o, " \xC2\xB7 %s ", _("idle"));
      html_duration (o, r->idle_us);
    }
  g_string_append (o, "</div>\n");
}

static void
card_evidence (GString *o, const ws_report_rec *r)
{
  if (r->evidence->len == 0)
    return;
  g_string_append (o, "<ul>");
  for (guint e = 0; e < r->evidence->len; e++)
    {
      const ws_report_evidence *ev = g_ptr_array_index (r->evidence, e);
      g_string_append (o, "<li>");
      if (ev->ts_us)
        {
          GString *t = g_string_new (NULL);
          html_time (t, ev->ts_us, "%H:%M:%S");
          /* the microseconds inside the same isolate (nothing when the
           * time is out of any calendar's range) */
          if (g_str_has_suffix (t->str, "</bdi>"))
            {
              g_string_truncate (t, t->len - strlen ("</bdi>"));
              g_string_append_printf (t, ".%06" PRId64 "</bdi> ",
                                      ev->ts_us - ws_report_seconds (ev->ts_us) * G_USEC_PER_SEC);
            }
          g_string_append_len (o, t->str, (gssize) t->len);
          g_string_free (t, TRUE);
        }
      /* evidence quotes the wire (paths, reasons): keep it in one isolate */
      g_string_append (o, "<bdi>");
      ws_html_escape (o, ev->text);
      g_string_append (o, "</bdi></li>");
    }
  g_string_append (o, "</ul>\n");
}

static void
card_title (GString *o, const ws_report_rec *r)
{
  char code[16];
  ws_report_code_key (r->close_code, code);
  g_string_append (o, "<h3>");
  if (r->handshake_failed && r->handshake_status >= 0 && r->handshake_status != 101)
    {
      char st[16];
      g_snprintf (st, sizeof st, "%d", r->handshake_status);
      g_string_append_printf (o, "%s ", _("handshake rejected, HTTP"));
      html_wire (o, st);
    }
  else
    {
      html_wire (o, code);
      if (r->close_code >= 0)
        {
          g_string_append (o, " ");
          ws_html_escape (o, _(ws_code_lookup (r->close_code)->name));
        }
    }
  if (r->cause_confidence)
    {
      const char *c = r->cause_confidence;
      g_string_append_printf (o, " \xC2\xB7 <span class=\"meta\">%s</span>",
                              !strcmp (c, "high") ? _("high confidence")
                              : !strcmp (c, "medium") ? _("medium confidence")
                              : _("low confidence"));
    }
  g_string_append (o, "</h3>");
}

/* The top connections grouped by cause, the groups in the order of their
 * best-ranked connection; one fix a group. */
void
html_section_top (GString *o, const ws_report *rp)
{
  g_string_append_printf (o, "<section id=\"top\"><h2>%s</h2>\n", _("Connections that matter most"));
  if (rp->top->len == 0)
    {
      g_string_append_printf (o, "<p class=\"empty\">%s</p></section>\n", _("No abnormal closes."));
      return;
    }
  g_string_append_printf (o, "<p class=\"note\">%s</p>\n",
                          _("Abnormal closes and failed handshakes, grouped by cause; the groups "
                            "and the connections in them ranked by how little the applications "
                            "were told (1006 first) and how sure the diagnosis is."));
  g_autoptr (GPtrArray) causes = g_ptr_array_new ();
  for (guint i = 0; i < rp->top->len; i++)
    {
      const ws_report_rec *r = g_ptr_array_index (rp->top, i);
      const char *id = r->cause_id ? r->cause_id : "none";
      bool seen = false;
      for (guint j = 0; j < causes->len && !seen; j++)
        seen = !strcmp (g_ptr_array_index (causes, j), id);
      if (!seen)
        g_ptr_array_add (causes, (gpointer) id);
    }
  for (guint g = 0; g < causes->len; g++)
    {
      const char *id = g_ptr_array_index (causes, g);
      const ws_report_rec *first = NULL;
      uint64_t n = 0;
      for (guint i = 0; i < rp->top->len; i++)
        {
          const ws_report_rec *r = g_ptr_array_index (rp->top, i);
          if (!strcmp (r->cause_id ? r->cause_id : "none", id))
            {
              if (!first)
                first = r;
              n++;
            }
        }
      const ws_report_count *all = g_hash_table_lookup (rp->by_cause, id);
      const ws_cause_info *ci = ws_cause_info_lookup (id);
      g_string_append_printf (o, "<details class=\"cause\" style=\"--c:%s\"%s><summary>",
                              ws_html_series_colour (id), g == 0 ? " open" : "");
      ws_html_escape (o, ci ? _(ci->title) : _("no cause found"));
      g_string_append (o, " ");
      html_code (o, id);
      g_autofree char *shown = html_num_str (n);
      g_autofree char *total = html_num_str (all ? all->abnormal : n);
      g_string_append (o, " <span class=\"n\">");
      g_string_append_printf (o, _("%s of %s abnormal"), shown, total);
      g_string_append (o, "</span></summary>\n");
      const char *fix = first->cause_fix ? first->cause_fix : ci ? _(ci->fix) : NULL;
      if (fix)
        {
          g_string_append_printf (o, "<div class=\"fix\"><b>%s</b> ", _("Fix:"));
          ws_html_escape (o, fix);
          g_string_append (o, "</div>\n");
        }
      for (guint i = 0; i < rp->top->len; i++)
        {
          const ws_report_rec *r = g_ptr_array_index (rp->top, i);
          if (strcmp (r->cause_id ? r->cause_id : "none", id))
            continue;
          g_string_append (o, "<div class=\"conn\">");
          card_title (o, r);
          card_meta (o, r);
          if (r->cause_summary)
            {
              g_string_append (o, "<p>");
              ws_html_escape (o, r->cause_summary);
              g_string_append (o, "</p>\n");
            }
          card_evidence (o, r);
          g_string_append (o, "</div>\n");
        }
      g_string_append (o, "</details>\n");
    }
  g_string_append (o, "</section>\n");
}
