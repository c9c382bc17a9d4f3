/* test-report.c - the report's unit of data (the same from a connection and
 * from its JSON record), the aggregate, the HTML escaping and the SQLite
 * history over two nights. */
#include "config.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "diagnose.h"
#include "history.h"
#include "html.h"
#include "output.h"
#include "report-agg.h"
#include "report-jsonl.h"

static void
set_addr (ws_addr *a, int family, const char *text)
{
  memset (a, 0, sizeof *a);
  a->family = (uint8_t) family;
  g_assert_true (inet_pton (family == 6 ? AF_INET6 : AF_INET, text, a->addr) == 1);
}

static const int64_t T0 = 1795470161224073;

/* A finished connection: the server closed with code and reason (reason_len
 * bytes, may hold any byte), TCP ended with an RST from the client. */
static ws_conn *
make_conn (int family, int code, const char *reason, size_t reason_len)
{
  ws_conn *c = ws_conn_new ();
  c->id = 1;
  set_addr (&c->addr[WS_SIDE_CLIENT], family, family == 6 ? "2001:db8::1" : "192.0.2.1");
  set_addr (&c->addr[WS_SIDE_SERVER], family, family == 6 ? "2001:db8::2" : "192.0.2.2");
  c->port[WS_SIDE_CLIENT] = 51000;
  c->port[WS_SIDE_SERVER] = 443;
  c->sides_known = c->syn_seen = true;
  c->kind = WS_KIND_WEBSOCKET;
  c->stage = WS_STAGE_FRAMES;
  c->start_us = T0;
  c->request_us = T0 + 1000;
  c->response_us = T0 + 2000;
  c->end_us = T0 + 5000001;
  c->method = g_strdup ("GET");
  c->host = g_strdup ("chat.example\xff<b>");
  c->path = g_strdup ("/live?x=\"1\"&y='2'\x01");
  c->handshake_status = 101;
  c->accept_valid = 1;
  c->dir[WS_SIDE_CLIENT].frames = 3;
  c->dir[WS_SIDE_CLIENT].last_frame_us = T0 + 3000;
  c->dir[WS_SIDE_SERVER].frames = 4;
  c->dir[WS_SIDE_SERVER].last_frame_us = T0 + 4000;
  if (code != 0)
    {
      ws_close_info *ci = &c->close[WS_SIDE_SERVER];
      ci->seen = true;
      ci->ts_us = T0 + 4000;
      ci->code = code;
      if (reason)
        {
          ci->reason = g_memdup2 (reason, reason_len + 1);
          ci->reason_len = reason_len;
          ci->payload_len = 2 + reason_len;
        }
      c->close_initiator = WS_SIDE_SERVER;
      c->dir[WS_SIDE_SERVER].closes = 1;
    }
  c->tcp_end = WS_TCP_END_RST;
  c->tcp_end_by = WS_SIDE_CLIENT;
  c->rst[WS_SIDE_CLIENT] = true;
  c->rst_us[WS_SIDE_CLIENT] = c->end_us;
  return c;
}

static void
check_same (ws_conn *c)
{
  ws_diagnose (c, NULL);
  g_autoptr (ws_report_rec) a = ws_report_rec_from_conn (c);
  GString *j = g_string_new (NULL);
  ws_json_record (j, c);
  g_autoptr (GError) error = NULL;
  g_autoptr (ws_report_rec) b = ws_report_rec_from_json (j->str, j->len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (b);
  if (!ws_report_rec_equal (a, b))
    g_error ("records differ for %s", j->str);
  g_string_free (j, TRUE);
  g_assert_true (g_utf8_validate (a->host, -1, NULL));
}

static void
test_rec_same_both_ways (void)
{
  /* reasons with markup, invalid UTF-8 (lone continuation, overlong,
   * surrogate, truncated sequence), controls, C1, U+2028 and a NUL */
  static const struct {
    const char *reason;
    size_t len;
  } reasons[] = {
    { "<script>alert(1)</script>", 25 },
    { "bad \x80 \xC0\xAF \xED\xA0\x80 \xE2\x82", 15 },
    { "tab\there \xC2\x85 \xE2\x80\xA8 ok", 19 },
    { "nul\0after", 9 },
    { "\xF4\x90\x80\x80 \xEF\xBF\xBE", 8 },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (reasons); i++)
    for (int fam = 4; fam <= 6; fam += 2)
      {
        ws_conn *c = make_conn (fam, 1011, reasons[i].reason, reasons[i].len);
        check_same (c);
        ws_conn_free (c);
      }
  /* empty close body (1005), no close at all (1006), still open */
  ws_conn *c = make_conn (4, -1, NULL, 0);
  check_same (c);
  ws_conn_free (c);
  c = make_conn (4, 0, NULL, 0);
  check_same (c);
  g_autoptr (ws_report_rec) r = ws_report_rec_from_conn (c);
  g_assert_cmpint (r->close_code, ==, 1006);
  g_assert_cmpint (r->idle_us, ==, 5000001 - 4000);
  ws_conn_free (c);
  c = make_conn (4, 0, NULL, 0);
  c->tcp_end = WS_TCP_END_OPEN;
  c->end_us = 0;
  check_same (c);
  ws_conn_free (c);
  /* a rejected handshake */
  c = make_conn (4, 0, NULL, 0);
  c->handshake_status = 403;
  c->handshake_reason = g_strdup ("Forbidden");
  c->stage = WS_STAGE_REJECTED;
  c->dir[0].frames = c->dir[1].frames = 0;
  c->dir[0].last_frame_us = c->dir[1].last_frame_us = 0;
  check_same (c);
  g_autoptr (ws_report_rec) h = ws_report_rec_from_conn (c);
  g_assert_true (h->handshake_failed);
  g_assert_true (ws_report_rec_abnormal (h));
  ws_conn_free (c);
}

static void
test_rec_fields (void)
{
  ws_conn *c = make_conn (4, 4001, "bye \xff", 5);
  ws_diagnose (c, NULL);
  g_autoptr (ws_report_rec) r = ws_report_rec_from_conn (c);
  g_assert_cmpstr (r->client_ip, ==, "192.0.2.1");
  g_assert_cmpuint (r->server_port, ==, 443);
  g_assert_cmpint (r->close_code, ==, 4001);
  g_assert_cmpstr (r->close_reason, ==, "bye \xEF\xBF\xBD");
  g_assert_cmpstr (r->host, ==, "chat.example\xEF\xBF\xBD<b>");
  g_assert_cmpint (r->close_initiator, ==, WS_SIDE_SERVER);
  g_assert_cmpint (r->tcp_end, ==, WS_TCP_END_RST);
  g_assert_cmpint (r->tcp_end_by, ==, WS_SIDE_CLIENT);
  g_assert_nonnull (r->cause_id);
  g_assert_true (ws_report_rec_abnormal (r));
  ws_conn_free (c);

  /* not JSON, not an object */
  g_autoptr (GError) e = NULL;
  g_assert_null (ws_report_rec_from_json ("{\"a\":", 5, &e));
  g_assert_nonnull (e);
  g_clear_error (&e);
  g_assert_null (ws_report_rec_from_json ("[1]", 3, &e));
  g_assert_nonnull (e);
  g_clear_error (&e);
  /* wrong types are taken as absent */
  const char *odd = "{\"close_code\":\"1006\",\"client_port\":70000,\"start_ts\":\"x\",\"host\":5}";
  g_autoptr (ws_report_rec) w = ws_report_rec_from_json (odd, strlen (odd), &e);
  g_assert_no_error (e);
  g_assert_cmpint (w->close_code, ==, -1);
  g_assert_cmpuint (w->client_port, ==, 0);
  g_assert_cmpint (w->start_us, ==, 0);
  g_assert_null (w->host);
}

static ws_report_rec *
rec (const char *server, int code, const char *cause, int64_t start_s, const char *reason)
{
  ws_report_rec *r = ws_report_rec_new ();
  r->client_ip = g_strdup ("10.0.0.1");
  r->client_port = (unsigned) (40000 + start_s % 1000);
  r->server_ip = g_strdup (server);
  r->server_port = 443;
  r->host = g_strdup ("h.example");
  r->path = g_strdup ("/ws");
  r->start_us = start_s * G_USEC_PER_SEC;
  r->end_us = r->start_us + 30 * G_USEC_PER_SEC;
  r->handshake_status = 101;
  r->close_code = code;
  r->close_reason = g_strdup (reason);
  r->cause_id = g_strdup (cause);
  r->cause_confidence = g_strdup ("high");
  r->cause_summary = g_strdup ("summary");
  r->cause_fix = g_strdup ("fix it");
  r->tcp_end = WS_TCP_END_FIN;
  r->idle_us = code == 1006 ? 25 * G_USEC_PER_SEC : -1;
  return r;
}

static void
fill (ws_report *rp, bool reverse, int n)
{
  for (int k = 0; k < n; k++)
    {
      int i = reverse ? n - 1 - k : k;
      int code = i % 3 == 0 ? 1000 : i % 3 == 1 ? 1006 : 1011;
      const char *cause = code == 1000 ? "normal_closure" : code == 1006 ? "connection_dropped"
                                                                         : "server_internal_error";
      ws_report_add (rp, rec (i % 2 ? "192.0.2.7" : "192.0.2.8", code, cause,
                              1795470000 + i * 60, NULL));
    }
}

static void
test_aggregate (void)
{
  g_autoptr (ws_report) a = ws_report_new ();
  g_autoptr (ws_report) b = ws_report_new ();
  fill (a, false, 90);
  fill (b, true, 90);
  g_assert_cmpuint (a->connections, ==, 90);
  g_assert_cmpuint (a->abnormal, ==, 60);
  ws_report_count *c = g_hash_table_lookup (a->by_code, "1006");
  g_assert_cmpuint (c->count, ==, 30);
  g_assert_cmpuint (a->idle_bins[3], ==, 30);   /* 25 s: 15-30s */
  /* the top list does not depend on the order of the input */
  g_assert_cmpuint (a->top->len, ==, WS_REPORT_TOP);
  g_assert_cmpuint (b->top->len, ==, WS_REPORT_TOP);
  for (guint i = 0; i < a->top->len; i++)
    g_assert_true (ws_report_rec_equal (g_ptr_array_index (a->top, i), g_ptr_array_index (b->top, i)));
  /* 1006 ranks above 1011, earlier first */
  const ws_report_rec *first = g_ptr_array_index (a->top, 0);
  g_assert_cmpint (first->close_code, ==, 1006);
  g_assert_cmpint (first->start_us, ==, (int64_t) (1795470000 + 60) * G_USEC_PER_SEC);
  g_autoptr (GPtrArray) servers = ws_report_sorted_keys (a->by_server, true);
  g_assert_cmpuint (servers->len, ==, 2);
}

static void
test_html_escape (void)
{
  GString *o = g_string_new (NULL);
  ws_html_escape (o, "<script>alert('x')</script>&\"\x01\xC2\x85ok\xC3\xA9");
  g_assert_cmpstr (o->str, ==,
                   "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;\\x01\\u0085ok\xC3\xA9");
  g_string_free (o, TRUE);

  g_autoptr (ws_report) rp = ws_report_new ();
  ws_report_add (rp, rec ("192.0.2.9", 4000, "application_code", 1795470000,
                          "<script>alert(1)</script>"));
  ws_report_rec *r = rec ("192.0.2.9", 1006, "connection_dropped", 1795470100, NULL);
  g_free (r->path);
  r->path = g_strdup ("/<img src=x onerror=alert(2)>");
  ws_report_add (rp, r);
  GString *page = g_string_new (NULL);
  ws_html_page (page, rp, "night <1>", NULL);
  g_assert_nonnull (strstr (page->str, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  g_assert_null (strstr (page->str, "<script"));
  g_assert_null (strstr (page->str, "<img"));
  g_assert_nonnull (strstr (page->str, "night &lt;1&gt;"));
  g_assert_nonnull (strstr (page->str, "id=\"chart-codes\""));
  g_string_free (page, TRUE);
}

static int64_t
query_int (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  int64_t v = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return v;
}

/* Store one night: n records from fill() plus, when extra, a new server
 * with a new cause. */
static void
store_night (const char *path, const char *label, int n, bool extra)
{
  g_autoptr (GError) e = NULL;
  ws_history *h = ws_history_open (path, &e);
  g_assert_no_error (e);
  g_autoptr (ws_report) rp = ws_report_new ();
  g_assert_true (ws_history_begin (h, "[\"x\"]", &e));
  for (int i = 0; i < n + (extra ? 1 : 0); i++)
    {
      ws_report_rec *r;
      if (i == n)
        r = rec ("198.51.100.1", 1013, "try_again_later", 1795480000, "busy");
      else
        {
          int code = i % 3 == 0 ? 1000 : i % 3 == 1 ? 1006 : 1011;
          r = rec ("192.0.2.7", code, code == 1000 ? "normal_closure" : code == 1006
                   ? "connection_dropped" : "server_internal_error", 1795470000 + i, NULL);
        }
      g_assert_true (ws_history_add (h, r, &e));
      ws_report_add (rp, r);
    }
  g_assert_true (ws_history_end (h, label, rp, &e));
  ws_history_close (h);
}

static void
test_history (void)
{
  g_autofree char *dir = g_dir_make_tmp ("wsclosed-report-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "sub", "history.db", NULL);
  g_autoptr (GError) e = NULL;

  store_night (path, "2026-11-22", 30, false);
  store_night (path, "2026-11-23", 45, true);

  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (query_int (db, "SELECT version FROM schema_version"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM runs"), ==, 2);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM records"), ==, 76);
  g_assert_cmpint (query_int (db, "SELECT connections FROM runs WHERE label='2026-11-23'"), ==, 46);
  g_assert_cmpint (query_int (db, "SELECT count FROM summary s JOIN runs r ON r.id = s.run_id "
                                  "WHERE r.label='2026-11-23' AND dim='code' AND key='1006'"), ==, 15);
  sqlite3_close (db);

  ws_history *h = ws_history_open (path, &e);
  g_assert_no_error (e);
  g_autoptr (ws_history_cmp) cmp = ws_history_compare (h, "2026-11-23", &e);
  g_assert_no_error (e);
  g_assert_cmpstr (cmp->prev_label, ==, "2026-11-22");
  g_assert_cmpint (cmp->n_prev, ==, 1);
  bool new_cause = false, new_server = false, total = false;
  for (guint i = 0; i < cmp->deltas->len; i++)
    {
      const ws_history_delta *d = g_ptr_array_index (cmp->deltas, i);
      if (!strcmp (d->dim, "cause") && !strcmp (d->key, "try_again_later"))
        new_cause = d->is_new && d->now == 1;
      if (!strcmp (d->dim, "server") && !strcmp (d->key, "198.51.100.1:443"))
        new_server = d->is_new;
      if (!strcmp (d->dim, "total"))
        total = d->now == 46 && d->prev == 30;
    }
  g_assert_true (new_cause);
  g_assert_true (new_server);
  g_assert_true (total);
  /* the first night has nothing before it */
  g_autoptr (ws_history_cmp) first = ws_history_compare (h, "2026-11-22", &e);
  g_assert_null (first->prev_label);
  g_assert_cmpuint (first->deltas->len, ==, 0);
  ws_history_close (h);

  /* re-running the first night replaces it */
  store_night (path, "2026-11-22", 12, false);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM runs"), ==, 2);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM records"), ==, 58);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM summary WHERE run_id NOT IN "
                                  "(SELECT id FROM runs)"), ==, 0);
  /* a newer schema is refused */
  g_assert_cmpint (sqlite3_exec (db, "UPDATE schema_version SET version = 99", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_null (ws_history_open (path, &e));
  g_assert_nonnull (e);
  g_assert_nonnull (strstr (e->message, "version 99"));
  g_clear_error (&e);

  /* an aborted run leaves nothing */
  g_autofree char *p2 = g_build_filename (dir, "h2.db", NULL);
  h = ws_history_open (p2, &e);
  g_assert_true (ws_history_begin (h, "[]", &e));
  ws_report_rec *r = rec ("192.0.2.1", 1006, "connection_dropped", 1795470000, NULL);
  g_assert_true (ws_history_add (h, r, &e));
  ws_report_rec_free (r);
  ws_history_abort (h);
  ws_history_close (h);
  g_assert_cmpint (sqlite3_open (p2, &db), ==, SQLITE_OK);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM runs"), ==, 0);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM records"), ==, 0);
  sqlite3_close (db);

  g_unlink (p2);
  g_unlink (path);
  g_autofree char *sub = g_path_get_dirname (path);
  g_rmdir (sub);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_setenv ("TZ", "UTC", TRUE);
  g_test_init (&argc, &argv, NULL);
  ws_limits_init_defaults (&ws_limits_cfg);
  g_test_add_func ("/report/rec/same-from-conn-and-json", test_rec_same_both_ways);
  g_test_add_func ("/report/rec/fields", test_rec_fields);
  g_test_add_func ("/report/aggregate/order-independent", test_aggregate);
  g_test_add_func ("/report/html/escape", test_html_escape);
  g_test_add_func ("/report/history/two-nights", test_history);
  return g_test_run ();
}
