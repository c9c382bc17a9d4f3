/* test-html.c - the report's HTML page: its structure (only the page's own
 * elements, each closed in order, no script, nothing loaded from outside),
 * every string from the wire or the user escaped and inside the element it
 * belongs to, and the sections there when their data is. */
#include "config.h"

#include <string.h>

#include "html.h"
#include "conn-builder.h"
#include "report-agg.h"

/* ---- a small checker of the page ---------------------------------------------- */

/* A run of text between tags, with the elements it is inside. */
typedef struct {
  char *text;
  char *path;                 /* "html/body/section/svg/text" */
  const char *inner;          /* last element of path */
} text_run;

static void
text_run_free (gpointer p)
{
  text_run *t = p;
  g_free (t->text);
  g_free (t->path);
  g_free (t);
}

/* The elements the page is made of; a tag not here came from a string
 * that was not escaped. */
static const char *const allowed[] = {
  "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p", "div",
  "section", "svg", "line", "text", "rect", "span", "i", "b", "code", "ul", "li", "footer",
  "table", "thead", "tbody", "tr", "th", "td", "bdi", "details", "summary",
};

static bool
is_allowed (const char *name)
{
  for (size_t i = 0; i < G_N_ELEMENTS (allowed); i++)
    if (!strcmp (allowed[i], name))
      return true;
  return false;
}

static char *
path_of (GPtrArray *stack)
{
  GString *p = g_string_new (NULL);
  for (guint i = 0; i < stack->len; i++)
    {
      if (i)
        g_string_append_c (p, '/');
      g_string_append (p, g_ptr_array_index (stack, i));
    }
  return g_string_free (p, FALSE);
}

static void
add_text (GPtrArray *runs, GPtrArray *stack, const char *s, size_t len)
{
  if (len == 0 || stack->len == 0)
    return;
  text_run *t = g_new0 (text_run, 1);
  t->text = g_strndup (s, len);
  t->path = path_of (stack);
  t->inner = strrchr (t->path, '/') ? strrchr (t->path, '/') + 1 : t->path;
  g_ptr_array_add (runs, t);
}

/* One tag at p ('<'); returns the byte after it.  Fails the test on a tag
 * that is not the page's own or closes the wrong element. */
static const char *
take_tag (const char *p, GPtrArray *stack)
{
  bool closing = p[1] == '/';
  const char *n = p + (closing ? 2 : 1);
  size_t nl = strspn (n, "abcdefghijklmnopqrstuvwxyz0123456789");
  g_autofree char *name = g_strndup (n, nl);
  if (!is_allowed (name))
    g_error ("element <%s> is not the page's own: %.60s", name, p);
  const char *q = n + nl;
  char quote = 0;
  for (; *q && (quote || *q != '>'); q++)
    if (quote && *q == quote)
      quote = 0;
    else if (!quote && (*q == '"' || *q == '\''))
      quote = *q;
    else if (!quote)
      g_assert_false (g_str_has_prefix (q, " on"));   /* no event handler attributes */
  g_assert_true (*q == '>');
  if (closing)
    {
      g_assert_cmpuint (stack->len, >, 0);
      if (strcmp (g_ptr_array_index (stack, stack->len - 1), name))
        g_error ("</%s> closes <%s>", name, (char *) g_ptr_array_index (stack, stack->len - 1));
      g_ptr_array_remove_index (stack, stack->len - 1);
    }
  else if (q[-1] != '/' && strcmp (name, "meta") != 0)
    g_ptr_array_add (stack, g_steal_pointer (&name));
  return q + 1;
}

/* Parse the page into its text runs; every element must be closed, in
 * order, and only the page's own elements may appear. */
static GPtrArray *
page_runs (const char *page)
{
  GPtrArray *runs = g_ptr_array_new_with_free_func (text_run_free);
  g_autoptr (GPtrArray) stack = g_ptr_array_new_with_free_func (g_free);
  const char *p = page;
  g_assert_true (g_str_has_prefix (p, "<!DOCTYPE html>\n"));
  p += strlen ("<!DOCTYPE html>\n");
  while (*p)
    {
      const char *lt = strchr (p, '<');
      if (!lt)
        {
          add_text (runs, stack, p, strlen (p));
          break;
        }
      add_text (runs, stack, p, (size_t) (lt - p));
      p = take_tag (lt, stack);
      if (stack->len && !strcmp (g_ptr_array_index (stack, stack->len - 1), "style"))
        {
          const char *end = strstr (p, "</style>");
          g_assert_nonnull (end);
          g_assert_null (g_strstr_len (p, end - p, "url("));   /* nothing from outside */
          p = end;
        }
    }
  g_assert_cmpuint (stack->len, ==, 0);
  return runs;
}

/* Every text run that holds needle is directly inside one of elems (a
 * NULL-terminated list); returns how many runs hold it. */
static guint
runs_inside (GPtrArray *runs, const char *needle, const char *const *elems)
{
  guint n = 0;
  for (guint i = 0; i < runs->len; i++)
    {
      const text_run *t = g_ptr_array_index (runs, i);
      if (!strstr (t->text, needle))
        continue;
      n++;
      bool ok = false;
      for (const char *const *e = elems; *e; e++)
        ok = ok || !strcmp (t->inner, *e);
      if (!ok)
        g_error ("\"%s\" is in %s", needle, t->path);
    }
  return n;
}

/* ---- tests ------------------------------------------------------------------- */

static void
test_escape (void)
{
  GString *o = g_string_new (NULL);
  ws_html_escape (o, "<script>alert('x')</script>&\"\x01\xC2\x85ok\xC3\xA9\x7f");
  g_assert_cmpstr (o->str, ==,
                   "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;\\x01\\u0085ok\xC3\xA9\\x7f");
  g_string_truncate (o, 0);
  ws_html_escape (o, NULL);
  g_assert_cmpstr (o->str, ==, "");
  g_string_free (o, TRUE);
}

#define HOSTILE_PATH "/<img src=x onerror=alert(2)>"
#define HOSTILE_REASON "<script>alert(1)</script>"
#define HOSTILE_CAUSE "cause<b>\"x\""
#define HOSTILE_HOST "h'<svg onload=alert(3)>"

/* A night with hostile strings everywhere the wire reaches the page. */
static ws_report *
hostile_night (void)
{
  ws_report *rp = ws_report_new ();
  ws_report_add (rp, cb_report_rec ("192.0.2.9", 4000, "application_code", 1795470000, HOSTILE_REASON));
  ws_report_rec *r = cb_report_rec ("192.0.2.9", 1006, HOSTILE_CAUSE, 1795470100, NULL);
  g_free (r->path);
  r->path = g_strdup (HOSTILE_PATH);
  g_free (r->host);
  r->host = g_strdup (HOSTILE_HOST);
  ws_report_rec_add_evidence (r, 1795470101000000, "evidence <i>not italic</i>");
  ws_report_add (rp, r);
  r = cb_report_rec ("2001:db8::7", 1011, "server_internal_error", 1795473700, NULL);
  ws_report_add (rp, r);
  r = cb_report_rec ("192.0.2.10", -1, NULL, 1795473800, NULL);
  r->handshake_failed = true;
  r->handshake_status = 403;
  ws_report_add (rp, r);
  return rp;
}

static void
test_hostile_page (void)
{
  g_autoptr (ws_report) rp = hostile_night ();
  GString *page = g_string_new (NULL);
  ws_html_page (page, rp, "night <1>", NULL);
  g_autoptr (GPtrArray) runs = page_runs (page->str);

  /* wire strings are isolated left to right: in a <bdi dir="ltr"> or a
   * <code dir="ltr"> (runs_inside checks the element they are directly in) */
  static const char *const title_h1[] = { "title", "bdi", NULL };
  g_assert_cmpuint (runs_inside (runs, "night &lt;1&gt;", title_h1), ==, 2);
  static const char *const code[] = { "code", NULL };
  g_assert_cmpuint (runs_inside (runs, "&lt;script&gt;alert(1)&lt;/script&gt;", code), ==, 1);
  /* the path: the routes' bar label and the card */
  static const char *const wire[] = { "bdi", "code", NULL };
  g_assert_cmpuint (runs_inside (runs, "/&lt;img src=x", wire), >=, 2);
  g_assert_cmpuint (runs_inside (runs, "onerror=alert(2)&gt;", wire), >=, 2);
  g_assert_cmpuint (runs_inside (runs, "h&#39;&lt;svg onload", wire), >=, 2);
  /* the cause: the time chart's legend and tooltips, the group's summary */
  static const char *const cause_places[] = { "bdi", "title", "code", NULL };
  g_assert_cmpuint (runs_inside (runs, "cause&lt;b&gt;&quot;x&quot;", cause_places), >=, 3);
  static const char *const li[] = { "bdi", NULL };
  g_assert_cmpuint (runs_inside (runs, "evidence &lt;i&gt;not italic&lt;/i&gt;", li), ==, 1);
  /* and each of those isolates is a left-to-right one, in the page's
   * direction (English here) */
  g_assert_nonnull (strstr (page->str, "<html lang=\"en\" dir=\"ltr\">"));
  g_assert_null (strstr (page->str, "<bdi>/&lt;img"));
  g_assert_nonnull (strstr (page->str, "<bdi dir=\"ltr\">/&lt;img src=x"));

  /* every chart, and the cards */
  static const char *const ids[] = {
    "id=\"chart-codes\"", "id=\"chart-causes\"", "id=\"chart-servers\"", "id=\"chart-hosts\"",
    "id=\"chart-paths\"", "id=\"chart-handshake\"", "<section id=\"top\">",
  };
  for (size_t i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_nonnull (strstr (page->str, ids[i]));
  g_assert_null (strstr (page->str, "id=\"changes\""));
  g_assert_nonnull (strstr (page->str, "handshake rejected, HTTP <bdi dir=\"ltr\">403</bdi>"));
  g_assert_nonnull (strstr (page->str, "[2001:db8::7]:443"));
  g_string_free (page, TRUE);
}

/* The comparison with earlier nights: a table whose keys are escaped and in
 * <code>; with no earlier run, a sentence. */
static void
test_changes (void)
{
  g_autoptr (ws_report) rp = hostile_night ();
  g_autoptr (ws_history_cmp) cmp = ws_history_cmp_new ("n2");
  cmp->prev_label = g_strdup ("n1 <prev>");
  cmp->n_prev = 1;
  ws_history_delta *d = ws_history_cmp_add (cmp, "cause", HOSTILE_CAUSE);
  d->now = 3;
  d->is_new = TRUE;
  d = ws_history_cmp_add (cmp, "code", "1006");
  d->now = 1;
  d->prev = 4;
  d->avg = 4;
  GString *page = g_string_new (NULL);
  ws_html_page (page, rp, "n2", cmp);
  g_autoptr (GPtrArray) runs = page_runs (page->str);
  g_assert_nonnull (strstr (page->str, "<section class=\"chart-box\" id=\"changes\">"));
  static const char *const b[] = { "bdi", NULL };
  g_assert_cmpuint (runs_inside (runs, "n1 &lt;prev&gt;", b), ==, 1);
  guint in_table = 0;
  for (guint i = 0; i < runs->len; i++)
    {
      const text_run *t = g_ptr_array_index (runs, i);
      if (strstr (t->path, "table/tbody/tr/td/code") && !strcmp (t->text, "cause&lt;b&gt;&quot;x&quot;"))
        in_table++;
    }
  g_assert_cmpuint (in_table, ==, 1);
  g_assert_nonnull (strstr (page->str, "<span class=\"new\">new</span>"));
  g_string_free (page, TRUE);

  g_autoptr (ws_history_cmp) first = ws_history_cmp_new ("n1");
  page = g_string_new (NULL);
  ws_html_page (page, rp, "n1", first);
  g_autoptr (GPtrArray) runs1 = page_runs (page->str);
  g_assert_nonnull (strstr (page->str, "No earlier run in the history to compare with."));
  g_string_free (page, TRUE);
}


/* Every (key, colour) pair a page draws: the bars' fill and data-key, the
 * legends' swatch and label; fails on one key in two colours. */
static void
collect_colours (const char *page, GHashTable *seen)
{
  g_autoptr (GRegex) bar = g_regex_new ("fill=\"(#[0-9a-f]{6})\" data-key=\"([^\"]+)\"", 0, 0, NULL);
  g_autoptr (GRegex) leg = g_regex_new ("<i style=\"background:(#[0-9a-f]{6})\"></i>"
                                        "<bdi dir=\"ltr\">([^<]+)</bdi>", 0, 0, NULL);
  GRegex *res[] = { bar, leg };
  for (size_t i = 0; i < G_N_ELEMENTS (res); i++)
    {
      GMatchInfo *mi = NULL;
      g_regex_match (res[i], page, 0, &mi);
      while (g_match_info_matches (mi))
        {
          char *colour = g_match_info_fetch (mi, 1), *key = g_match_info_fetch (mi, 2);
          const char *before = g_hash_table_lookup (seen, key);
          if (before && strcmp (before, colour))
            g_error ("%s is %s in one place and %s in another", key, before, colour);
          g_hash_table_insert (seen, key, colour);
          g_match_info_next (mi, NULL);
        }
      g_match_info_free (mi);
    }
}

/* Colours belong to the close code or cause, not to its rank in the run:
 * two nights with other leaders draw every key in the same colour, in
 * every chart. */
static void
test_colours_stable (void)
{
  g_autoptr (ws_report) a = ws_report_new ();
  g_autoptr (ws_report) b = ws_report_new ();
  for (int i = 0; i < 40; i++)
    {
      /* night a: idle timeouts lead, then 1011, a few 1000 */
      int code = i < 25 ? 1006 : i < 35 ? 1011 : 1000;
      const char *cause = code == 1006 ? "idle_timeout" : code == 1011 ? "server_internal_error"
                                                                     : "normal_closure";
      ws_report_add (a, cb_report_rec ("192.0.2.1", code, cause, 1795470000 + i * 97, NULL));
      /* night b: 1009 and application codes lead, idle timeouts last */
      code = i < 15 ? 1009 : i < 28 ? 4000 : i < 36 ? 1011 : 1006;
      cause = code == 1009 ? "message_too_big" : code == 4000 ? "application_code"
            : code == 1011 ? "server_internal_error" : "idle_timeout";
      ws_report_add (b, cb_report_rec ("192.0.2.2", code, cause, 1795570000 + i * 3001, NULL));
    }
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GString *pa = g_string_new (NULL), *pb = g_string_new (NULL);
  ws_html_page (pa, a, "a", NULL);
  ws_html_page (pb, b, "b", NULL);
  collect_colours (pa->str, seen);
  collect_colours (pb->str, seen);
  /* both nights' keys were drawn, and in their defined colours */
  const char *keys[] = { "1006", "1011", "1000", "1009", "4000", "idle_timeout",
                         "server_internal_error", "message_too_big", "application_code" };
  for (size_t i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const char *c = g_hash_table_lookup (seen, keys[i]);
      if (!c)
        g_error ("%s not drawn", keys[i]);
      g_assert_cmpstr (c, ==, ws_html_series_colour (keys[i]));
    }
  /* "blue is 1009 in one chart and application_code in the next": not so */
  g_assert_cmpstr (ws_html_series_colour ("1009"), !=, ws_html_series_colour ("application_code"));
  g_assert_cmpstr (ws_html_series_colour ("idle_timeout"), !=,
                   ws_html_series_colour ("server_internal_error"));
  /* a key outside the table gets a colour from its name, the same each time */
  g_assert_cmpstr (ws_html_series_colour ("4321"), ==, ws_html_series_colour ("4321"));
  g_assert_true (ws_html_series_colour ("4321")[0] == '#');
  g_string_free (pa, TRUE);
  g_string_free (pb, TRUE);
}

/* What changed: shares of each run's connections; more failures red, fewer
 * green, never red for a drop. */
static void
test_changes_rates (void)
{
  g_autoptr (ws_report) rp = hostile_night ();
  g_autoptr (ws_history_cmp) cmp = ws_history_cmp_new ("n2");
  cmp->prev_label = g_strdup ("n1");
  cmp->n_prev = 1;
  cmp->conns_now = 200;
  cmp->conns_prev = 50;
  cmp->conns_avg = 50;
  /* 1006: 10 of 200 now (5.0%), 5 of 50 before (10.0%): fewer, although
   * more as a count */
  ws_history_delta *d = ws_history_cmp_add (cmp, "code", "1006");
  d->now = 10;
  d->prev = 5;
  d->avg = 5;
  /* 1000: up from 90.0% to 95.0%, and more of them is not worse */
  d = ws_history_cmp_add (cmp, "code", "1000");
  d->now = 190;
  d->prev = 45;
  d->avg = 45;
  /* handshake failures: 2 of 200 (1.0%) from 0 */
  d = ws_history_cmp_add (cmp, "handshake_failures", "");
  d->now = 2;
  GString *page = g_string_new (NULL);
  ws_html_page (page, rp, "n2", cmp);
  g_autoptr (GPtrArray) runs = page_runs (page->str);
  g_assert_nonnull (strstr (page->str, "1006</code></td><td class=\"num better\">5.0% \xE2\x96\xBC"));
  g_assert_nonnull (strstr (page->str, "<td class=\"num\">10.0%</td>"));
  g_assert_nonnull (strstr (page->str, "1000</code></td><td class=\"num same\">95.0% \xE2\x96\xB2"));
  g_assert_nonnull (strstr (page->str, "</td><td class=\"num worse\">1.0% \xE2\x96\xB2"));
  g_string_free (page, TRUE);
}


/* Times no calendar holds (a JSON Lines record may say anything up to
 * 9e12 s): the page stays well-formed, every element closed. */
static void
test_out_of_range_times (void)
{
  g_autoptr (ws_report) rp = ws_report_new ();
  ws_report_rec *r = cb_report_rec ("192.0.2.9", 1006, "idle_timeout", 1795470000, NULL);
  r->end_us = (int64_t) 9e12 * G_USEC_PER_SEC;
  ws_report_rec_add_evidence (r, (int64_t) 9e12 * G_USEC_PER_SEC - 1, "late");
  ws_report_rec_add_evidence (r, -(int64_t) 9e12 * G_USEC_PER_SEC, "early");
  ws_report_add (rp, r);
  ws_report_add (rp, cb_report_rec ("192.0.2.9", 1011, "server_internal_error", 1795470000, NULL));
  GString *page = g_string_new (NULL);
  ws_html_page (page, rp, "far", NULL);
  g_autoptr (GPtrArray) runs = page_runs (page->str);
  g_assert_nonnull (strstr (page->str, "late"));
  g_string_free (page, TRUE);
}

/* An empty night still makes a whole page, each chart saying so. */
static void
test_empty (void)
{
  g_autoptr (ws_report) rp = ws_report_new ();
  GString *page = g_string_new (NULL);
  ws_html_page (page, rp, "empty", NULL);
  g_autoptr (GPtrArray) runs = page_runs (page->str);
  g_assert_nonnull (strstr (page->str, "No WebSocket connections in the input."));
  g_assert_nonnull (strstr (page->str, "<p class=\"empty\">No closes.</p>"));
  g_assert_nonnull (strstr (page->str, "<p class=\"empty\">No abnormal closes.</p>"));
  g_string_free (page, TRUE);
}

int
main (int argc, char **argv)
{
  g_setenv ("TZ", "UTC", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/html/escape", test_escape);
  g_test_add_func ("/html/page/hostile-strings", test_hostile_page);
  g_test_add_func ("/html/page/changes", test_changes);
  g_test_add_func ("/html/page/empty", test_empty);
  g_test_add_func ("/html/page/colours-stable", test_colours_stable);
  g_test_add_func ("/html/page/out-of-range-times", test_out_of_range_times);
  g_test_add_func ("/html/page/changes-rates", test_changes_rates);
  return g_test_run ();
}
