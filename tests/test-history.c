/* test-history.c - the report's SQLite history, in a temporary directory:
 * runs stored in one transaction, replaced by label, rolled back on abort,
 * the schema version checked, and the comparison of a night with the one
 * before and the average of up to seven. */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "history.h"
#include "conn-builder.h"
#include "report-agg.h"

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
        r = cb_report_rec ("198.51.100.1", 1013, "try_again_later", 1795480000, "busy");
      else
        {
          int code = i % 3 == 0 ? 1000 : i % 3 == 1 ? 1006 : 1011;
          r = cb_report_rec ("192.0.2.7", code, code == 1000 ? "normal_closure" : code == 1006
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
  ws_report_rec *r = cb_report_rec ("192.0.2.1", 1006, "connection_dropped", 1795470000, NULL);
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

/* n nights of growing 1006 counts: night k (1-based) has k * 2 records,
 * half of them 1006.  Returns the path of the database. */
static void
store_growing (const char *path, int n)
{
  for (int k = 1; k <= n; k++)
    {
      g_autoptr (GError) e = NULL;
      ws_history *h = ws_history_open (path, &e);
      g_assert_no_error (e);
      g_autoptr (ws_report) rp = ws_report_new ();
      g_assert_true (ws_history_begin (h, "[]", &e));
      for (int i = 0; i < 2 * k; i++)
        {
          ws_report_rec *r = cb_report_rec ("192.0.2.7", i % 2 ? 1006 : 1000,
                                            i % 2 ? "connection_dropped" : "normal_closure",
                                            1795470000 + k * 86400 + i, NULL);
          g_assert_true (ws_history_add (h, r, &e));
          ws_report_add (rp, r);
        }
      g_autofree char *label = g_strdup_printf ("2026-11-%02d", k);
      g_assert_true (ws_history_end (h, label, rp, &e));
      ws_history_close (h);
    }
}

static const ws_history_delta *
find_delta (const ws_history_cmp *cmp, const char *dim, const char *key)
{
  for (guint i = 0; i < cmp->deltas->len; i++)
    {
      const ws_history_delta *d = g_ptr_array_index (cmp->deltas, i);
      if (!strcmp (d->dim, dim) && !strcmp (d->key, key))
        return d;
    }
  return NULL;
}

/* Nine nights: the ninth is compared with the eighth and the average of the
 * seven before it (nights 2..8: 4+6+...+16 = 70 connections, 10 a night);
 * the fifth only with what sorts before it. */
static void
test_average (void)
{
  g_autofree char *dir = g_dir_make_tmp ("wsclosed-history-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "h.db", NULL);
  g_autoptr (GError) e = NULL;
  store_growing (path, 9);
  ws_history *h = ws_history_open (path, &e);
  g_assert_no_error (e);

  g_autoptr (ws_history_cmp) cmp = ws_history_compare (h, "2026-11-09", &e);
  g_assert_no_error (e);
  g_assert_cmpstr (cmp->label, ==, "2026-11-09");
  g_assert_cmpstr (cmp->prev_label, ==, "2026-11-08");
  g_assert_cmpint (cmp->n_prev, ==, WS_HISTORY_AVG_RUNS);
  const ws_history_delta *t = find_delta (cmp, "total", "");
  g_assert_nonnull (t);
  g_assert_cmpint (t->now, ==, 18);
  g_assert_cmpint (t->prev, ==, 16);
  g_assert_cmpfloat_with_epsilon (t->avg, 70.0 / 7, 1e-9);
  const ws_history_delta *c = find_delta (cmp, "code", "1006");
  g_assert_nonnull (c);
  g_assert_cmpint (c->now, ==, 9);
  g_assert_cmpint (c->prev, ==, 8);
  g_assert_false (c->is_new);
  /* servers are compared by abnormal closes */
  const ws_history_delta *s = find_delta (cmp, "server", "192.0.2.7:443");
  g_assert_nonnull (s);
  g_assert_cmpint (s->now, ==, 9);
  /* largest change first */
  for (guint i = 1; i < cmp->deltas->len; i++)
    {
      const ws_history_delta *x = g_ptr_array_index (cmp->deltas, i - 1);
      const ws_history_delta *y = g_ptr_array_index (cmp->deltas, i);
      g_assert_cmpint (llabs (x->now - x->prev), >=, llabs (y->now - y->prev));
    }

  g_autoptr (ws_history_cmp) mid = ws_history_compare (h, "2026-11-05", &e);
  g_assert_no_error (e);
  g_assert_cmpstr (mid->prev_label, ==, "2026-11-04");
  g_assert_cmpint (mid->n_prev, ==, 4);
  const ws_history_delta *m = find_delta (mid, "total", "");
  g_assert_cmpint (m->now, ==, 10);
  g_assert_cmpfloat_with_epsilon (m->avg, (2 + 4 + 6 + 8) / 4.0, 1e-9);

  /* a label that was never stored */
  g_assert_null (ws_history_compare (h, "2030-01-01", &e));
  g_assert_nonnull (e);
  g_clear_error (&e);
  ws_history_close (h);
  g_unlink (path);
  g_rmdir (dir);
}

/* A stored record keeps what the report has of it: nulls as NULL, the
 * evidence as JSON, the abnormal flag. */
static void
test_record_row (void)
{
  g_autofree char *dir = g_dir_make_tmp ("wsclosed-history-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "h.db", NULL);
  g_autoptr (GError) e = NULL;
  ws_history *h = ws_history_open (path, &e);
  g_assert_no_error (e);
  g_autoptr (ws_report) rp = ws_report_new ();
  g_assert_true (ws_history_begin (h, "[\"in\"]", &e));
  ws_report_rec *r = cb_report_rec ("2001:db8::2", -1, NULL, 1795470000, NULL);
  r->end_us = 0;
  r->tcp_end = WS_TCP_END_OPEN;
  r->tcp_end_by = WS_SIDE_NONE;
  g_assert_true (ws_history_add (h, r, &e));
  ws_report_add (rp, r);
  r = cb_report_rec ("192.0.2.1", 1011, "server_internal_error", 1795470001, "it's \"bad\"");
  ws_report_rec_add_evidence (r, 1795470001000000, "line \"one\"");
  ws_report_rec_add_evidence (r, 0, "no time");
  g_assert_true (ws_history_add (h, r, &e));
  ws_report_add (rp, r);
  g_assert_true (ws_history_end (h, "night", rp, &e));
  ws_history_close (h);

  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM records WHERE close_code IS NULL AND "
                                  "end_us IS NULL AND abnormal = 0 AND cause_id IS NULL"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM records WHERE close_code = 1011 AND "
                                  "abnormal = 1 AND close_reason = 'it''s \"bad\"' AND evidence = "
                                  "'[{\"ts\":1795470001.000000,\"text\":\"line \\\"one\\\"\"},"
                                  "{\"ts\":null,\"text\":\"no time\"}]'"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT abnormal FROM runs WHERE label = 'night'"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT still_open FROM runs WHERE label = 'night'"), ==, 1);
  sqlite3_close (db);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_default_path (void)
{
  const char *old = g_getenv ("XDG_STATE_HOME");
  g_autofree char *saved = g_strdup (old);
  g_setenv ("XDG_STATE_HOME", "/tmp/state-x", TRUE);
  g_autofree char *p = ws_history_default_path ();
  g_assert_cmpstr (p, ==, "/tmp/state-x/wsclosed/history.db");
  g_unsetenv ("XDG_STATE_HOME");
  g_autofree char *q = ws_history_default_path ();
  g_autofree char *want = g_build_filename (g_get_home_dir (), ".local", "state", "wsclosed",
                                            "history.db", NULL);
  g_assert_cmpstr (q, ==, want);
  if (saved)
    g_setenv ("XDG_STATE_HOME", saved, TRUE);
}

int
main (int argc, char **argv)
{
  g_setenv ("TZ", "UTC", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/history/two-nights", test_history);
  g_test_add_func ("/history/average-of-seven", test_average);
  g_test_add_func ("/history/record-row", test_record_row);
  g_test_add_func ("/history/default-path", test_default_path);
  return g_test_run ();
}
