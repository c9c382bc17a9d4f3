/* test-report.c - the report's stages but the history and the page (which
 * have test-history.c and test-html.c): the record (the same from a
 * connection and from its JSON record), records straight from the analyzer,
 * the aggregate, the JSON Lines reader, input discovery and the summaries. */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "analyzer.h"
#include "capture.h"
#include "diagnose.h"
#include "output.h"
#include "record-builder.h"
#include "report-agg.h"
#include "report-input.h"
#include "report-jsonl.h"
#include "report-summary.h"

static const int64_t T0 = 1795470161224073;

/* A finished connection: the server closed with code (0: no close frame,
 * -1: an empty close body) and reason (reason_len bytes, may hold any
 * byte), TCP ended with an RST from the client; Host and path hostile. */
static ws_conn *
make_conn (int family, int code, const char *reason, size_t reason_len)
{
  ws_conn *c = rb_conn (family, T0);
  rb_request (c, "chat.example\xff<b>", "/live?x=\"1\"&y='2'\x01");
  rb_frames (c, WS_SIDE_CLIENT, 3, T0 + 3000);
  rb_frames (c, WS_SIDE_SERVER, 4, T0 + 4000);
  if (code != 0)
    rb_close (c, WS_SIDE_SERVER, code, reason, reason_len, T0 + 4000);
  rb_end (c, WS_TCP_END_RST, WS_SIDE_CLIENT, T0 + 5000001);
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
  c = rb_conn (4, T0);
  check_same (c);
  ws_conn_free (c);
  /* a rejected handshake */
  c = make_conn (4, 0, NULL, 0);
  rb_reject (c, 403, "Forbidden");
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

static void
fill (ws_report *rp, bool reverse, int n)
{
  for (int k = 0; k < n; k++)
    {
      int i = reverse ? n - 1 - k : k;
      int code = i % 3 == 0 ? 1000 : i % 3 == 1 ? 1006 : 1011;
      const char *cause = code == 1000 ? "normal_closure" : code == 1006 ? "connection_dropped"
                                                                         : "server_internal_error";
      ws_report_add (rp, rb_rec (i % 2 ? "192.0.2.7" : "192.0.2.8", code, cause,
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

/* ---- records straight from the analyzer ------------------------------------------ */

typedef struct {
  GPtrArray *recs;
  ws_analyzer *a;
} hook_ctx;

static bool
hook_record (const ws_conn *c, void *user)
{
  hook_ctx *h = user;
  g_ptr_array_add (h->recs, ws_report_rec_from_conn (c));
  return true;
}

static void
hook_packet (void *user, int linktype, const struct pcap_pkthdr *ph, const uint8_t *data)
{
  hook_ctx *h = user;
  ws_analyzer_packet (h->a, linktype, ph, data);
}

/* pcaps/nginx-idle-5s.pcap was recorded with two connections that nginx
 * dropped after 5 s of silence (pcaps/nginx-idle-5s.expected.jsonl): both
 * come through the record callback, diagnosed, with their evidence, and no
 * writer is needed. */
static void
test_analyzer_hook (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "pcaps", "nginx-idle-5s.pcap",
                                                 NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("pcaps/nginx-idle-5s.pcap missing");
      return;
    }
  char *files[] = { path, NULL };
  int n_errors = 0;
  g_autoptr (GError) e = NULL;
  ws_capture *cap = ws_capture_open_files (files, NULL, &n_errors, &e);
  g_assert_no_error (e);
  ws_analyzer_opts ao;
  ws_analyzer_opts_init (&ao);
  hook_ctx h = { g_ptr_array_new_with_free_func ((GDestroyNotify) ws_report_rec_free), NULL };
  ws_settings set;
  ws_settings_init (&set);
  h.a = ws_analyzer_new (&ao, &set, NULL);
  ws_analyzer_set_record_fn (h.a, hook_record, &h);
  g_assert_cmpint (ws_capture_run (cap, hook_packet, &h), ==, 0);
  ws_analyzer_finish (h.a);
  g_assert_cmpuint (ws_analyzer_write_errors (h.a), ==, 0);
  g_assert_cmpuint (h.recs->len, ==, 2);
  unsigned ports = 0;
  for (guint i = 0; i < h.recs->len; i++)
    {
      const ws_report_rec *r = g_ptr_array_index (h.recs, i);
      g_assert_cmpint (r->close_code, ==, 1006);
      g_assert_cmpstr (r->cause_id, ==, "idle_timeout");
      g_assert_cmpstr (r->path, ==, "/idle");
      g_assert_cmpint (r->tcp_end, ==, WS_TCP_END_FIN);
      g_assert_cmpuint (r->evidence->len, >, 0);
      /* idle about 5 s: nginx's proxy_read_timeout */
      g_assert_cmpint (r->idle_us, >=, 4900000);
      g_assert_cmpint (r->idle_us, <=, 5600000);
      ports |= r->server_port == 18280 ? 1 : r->server_port == 18281 ? 2 : 4;
    }
  g_assert_cmpuint (ports, ==, 3);
  ws_analyzer_free (h.a);
  ws_capture_free (cap);
  g_ptr_array_unref (h.recs);
}

/* ---- JSON Lines ---------------------------------------------------------------- */

/* What a call writes on stderr: begin sends fd 2 to a temporary file, end
 * puts it back and returns what was written. */
typedef struct {
  int saved;
  char *path;
} err_trap;

static void
err_trap_begin (err_trap *t)
{
  int fd = g_file_open_tmp ("wsclosed-stderr-XXXXXX", &t->path, NULL);
  g_assert_cmpint (fd, >=, 0);
  fflush (stderr);
  t->saved = dup (2);
  dup2 (fd, 2);
  close (fd);
}

static char *
err_trap_end (err_trap *t)
{
  char *text = NULL;
  fflush (stderr);
  dup2 (t->saved, 2);
  close (t->saved);
  g_assert_true (g_file_get_contents (t->path, &text, NULL, NULL));
  g_unlink (t->path);
  g_free (t->path);
  return text;
}

typedef struct {
  ws_report *rp;
  size_t bytes;
} jsonl_ctx;

static void
jsonl_record (ws_report_rec *r, void *user)
{
  ws_report_add (((jsonl_ctx *) user)->rp, r);
}

static void
jsonl_progress (size_t bytes, void *user)
{
  ((jsonl_ctx *) user)->bytes += bytes;
}

/* A file written by our JSON writer reads back to the same night as the
 * records themselves; blank lines are nothing, broken lines are counted,
 * the last line needs no newline. */
static void
test_jsonl_read (void)
{
  g_autofree char *dir = g_dir_make_tmp ("wsclosed-jsonl-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "night.jsonl", NULL);
  g_autoptr (ws_report) direct = ws_report_new ();
  GString *text = g_string_new (NULL);
  for (int i = 0; i < 6; i++)
    {
      ws_conn *c = make_conn (i % 2 ? 6 : 4, i < 2 ? 0 : 1000 + i, "bye", 3);
      c->id = (uint64_t) i + 1;
      ws_diagnose (c, NULL);
      ws_report_add (direct, ws_report_rec_from_conn (c));
      ws_json_record (text, c);
      g_string_append (text, i == 2 ? "\n\n   \nnot json\n[1]\n" : "\n");
      ws_conn_free (c);
    }
  g_string_truncate (text, text->len - 1);    /* no final newline */
  g_assert_true (g_file_set_contents (path, text->str, (gssize) text->len, NULL));

  g_autoptr (ws_report) read = ws_report_new ();
  jsonl_ctx jc = { read, 0 };
  ws_report_jsonl_cbs cbs = { jsonl_record, jsonl_progress };
  g_autoptr (ws_report_jsonl) j = ws_report_jsonl_new (&cbs, &jc);
  err_trap t;
  err_trap_begin (&t);
  bool ok = ws_report_jsonl_read (j, path);
  g_autofree char *err = err_trap_end (&t);
  /* lines 6 and 7: after record 3 come an empty line and one of spaces */
  g_assert_nonnull (strstr (err, "night.jsonl:6: not a JSON record: "));
  g_assert_nonnull (strstr (err, "night.jsonl:7: not a JSON record: not a JSON object\n"));
  g_assert_false (ok);
  g_assert_cmpuint (ws_report_jsonl_bad_lines (j), ==, 2);
  g_assert_cmpuint (jc.bytes, ==, text->len);
  g_assert_cmpuint (read->connections, ==, 6);
  GString *a = g_string_new (NULL), *b = g_string_new (NULL);
  ws_report_json_summary (a, direct, "x", NULL);
  ws_report_json_summary (b, read, "x", NULL);
  g_assert_cmpstr (a->str, ==, b->str);
  g_string_free (a, TRUE);
  g_string_free (b, TRUE);
  g_string_free (text, TRUE);
  /* a missing file is told and is a failure */
  g_autofree char *none = g_build_filename (dir, "none.jsonl", NULL);
  err_trap_begin (&t);
  g_assert_false (ws_report_jsonl_read (j, none));
  g_autofree char *err2 = err_trap_end (&t);
  g_assert_nonnull (strstr (err2, "none.jsonl: No such file or directory\n"));
  g_unlink (path);
  g_rmdir (dir);
}

/* ---- input discovery ----------------------------------------------------------- */

static void
test_capture_names (void)
{
  static const struct {
    const char *name;
    bool capture;
  } names[] = {
    { "x.pcap", true }, { "x.pcapng", true }, { "x.cap", true }, { "x.pcap.gz", true },
    { "x.pcapng.gz", true }, { "x.pcap0", true }, { "x.pcap17", true }, { "x.pcap.1", true },
    { "night.2026-11-23.pcap", true }, { "x.pcap.gz.1", false }, { ".pcap", false },
    { "x.pcap.", false }, { "x.pcapx", false }, { "x.txt", false }, { "x.pcap.1a", false },
    { "pcap", false }, { "x.gz", false }, { "x.jsonl", false },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (names); i++)
    if (ws_report_is_capture_name (names[i].name) != names[i].capture)
      g_error ("%s: expected %s", names[i].name, names[i].capture ? "a capture" : "not one");
}

static void
touch (const char *dir, const char *name, const char *content)
{
  g_autofree char *p = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (p, content, -1, NULL));
}

/* A directory gives its captures in natural order, hidden and other files
 * left out; a file is JSON Lines by its first byte; what cannot be read is
 * counted. */
static void
test_collect_inputs (void)
{
  g_autofree char *dir = g_dir_make_tmp ("wsclosed-inputs-XXXXXX", NULL);
  g_autofree char *night = g_build_filename (dir, "night", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty", NULL);
  g_assert_cmpint (g_mkdir (night, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (empty, 0700), ==, 0);
  const char *in_dir[] = { "x.pcap10", "x.pcap2", "x.pcap", "x.pcap.1", ".hidden.pcap",
                           "notes.txt", "y.pcapng.gz" };
  for (size_t i = 0; i < G_N_ELEMENTS (in_dir); i++)
    touch (night, in_dir[i], "not really a capture");
  touch (dir, "a.jsonl", "  \n{\"close_code\":1000}\n");
  touch (dir, "b.jsonl", "");
  touch (dir, "c.pcap", "\xd4\xc3\xb2\xa1");
  g_autofree char *a = g_build_filename (dir, "a.jsonl", NULL);
  g_autofree char *b = g_build_filename (dir, "b.jsonl", NULL);
  g_autofree char *c = g_build_filename (dir, "c.pcap", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.pcap", NULL);
  char *inputs[] = { night, a, b, c, missing, empty, NULL };
  g_autoptr (GPtrArray) caps = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) jsonl = g_ptr_array_new_with_free_func (g_free);
  err_trap t;
  err_trap_begin (&t);
  int problems = ws_report_collect_inputs (inputs, caps, jsonl);
  g_autofree char *err = err_trap_end (&t);
  g_assert_nonnull (strstr (err, "missing.pcap: No such file or directory\n"));
  g_assert_nonnull (strstr (err, "empty: no captures in this directory\n"));
  g_assert_cmpint (problems, ==, 2);
  const char *want[] = { "x.pcap", "x.pcap.1", "x.pcap2", "x.pcap10", "y.pcapng.gz" };
  g_assert_cmpuint (caps->len, ==, G_N_ELEMENTS (want) + 1);
  for (size_t i = 0; i < G_N_ELEMENTS (want); i++)
    {
      g_autofree char *base = g_path_get_basename (g_ptr_array_index (caps, i));
      g_assert_cmpstr (base, ==, want[i]);
    }
  g_assert_cmpstr (g_ptr_array_index (caps, G_N_ELEMENTS (want)), ==, c);
  g_assert_cmpuint (jsonl->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (jsonl, 0), ==, a);
  g_assert_cmpstr (g_ptr_array_index (jsonl, 1), ==, b);
  g_assert_cmpuint (ws_report_file_size (c), ==, 4);
  g_assert_cmpuint (ws_report_file_size (missing), ==, 0);
  for (size_t i = 0; i < G_N_ELEMENTS (in_dir); i++)
    {
      g_autofree char *p = g_build_filename (night, in_dir[i], NULL);
      g_unlink (p);
    }
  g_unlink (a);
  g_unlink (b);
  g_unlink (c);
  g_rmdir (night);
  g_rmdir (empty);
  g_rmdir (dir);
}

/* ---- summaries ----------------------------------------------------------------- */

/* The JSON summary of fill()'s 90 connections, read back with json-glib:
 * the counts are those fill() made (every third 1000, 1006, 1011). */
static void
test_json_summary (void)
{
  g_autoptr (ws_report) rp = ws_report_new ();
  fill (rp, false, 90);
  GString *o = g_string_new (NULL);
  ws_report_json_summary (o, rp, "night \"1\"", NULL);
  g_assert_true (o->len > 0 && o->str[o->len - 1] == '\n');
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) e = NULL;
  g_assert_true (json_parser_load_from_data (p, o->str, (gssize) o->len, &e));
  JsonObject *root = json_node_get_object (json_parser_get_root (p));
  g_assert_cmpstr (json_object_get_string_member (root, "label"), ==, "night \"1\"");
  g_assert_cmpint (json_object_get_int_member (root, "connections"), ==, 90);
  g_assert_cmpint (json_object_get_int_member (root, "abnormal"), ==, 60);
  JsonObject *codes = json_object_get_object_member (root, "by_code");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (codes, "1006"),
                                               "count"), ==, 30);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (root, "top")), ==,
                   WS_REPORT_TOP);
  JsonObject *idle = json_object_get_object_member (root, "idle_before_1006");
  g_assert_cmpint (json_object_get_int_member (idle, "15-30s"), ==, 30);
  g_assert_true (json_object_get_null_member (root, "compare"));
  g_string_free (o, TRUE);
}

/* The text summary shows control bytes from the wire as \xNN, never raw,
 * and tells that there was no earlier run. */
static void
test_text_summary (void)
{
  g_autoptr (ws_report) rp = ws_report_new ();
  ws_report_add (rp, rb_rec ("192.0.2.9", 4000, "application_code", 1795470000,
                             "bye\x1b[31m red\x07"));
  g_autoptr (ws_history_cmp) cmp = ws_history_cmp_new ("n");
  GString *o = g_string_new (NULL);
  ws_report_text_summary (o, rp, "n\x1b", cmp);
  g_assert_null (strchr (o->str, '\x1b'));
  g_assert_null (strchr (o->str, '\x07'));
  g_assert_nonnull (strstr (o->str, "wsclosed report n\\x1b: 1 WebSocket connections"));
  g_assert_nonnull (strstr (o->str, "\"bye\\x1b[31m red\\x07\""));
  g_assert_nonnull (strstr (o->str, "History: no earlier run to compare with."));
  g_string_free (o, TRUE);
}

static ws_report_rec *
rec_idle (int code, int64_t end_s, double idle_s)
{
  ws_report_rec *r = rb_rec ("192.0.2.30", code, code == 1006 ? "idle_timeout" : "normal_closure",
                             end_s - 100, NULL);
  r->end_us = end_s * G_USEC_PER_SEC;
  r->idle_us = idle_s >= 0 ? (int64_t) (idle_s * 1e6) : -1;
  return r;
}

/* What the page triages on: abnormal closes apart from failed handshakes,
 * 1005 not abnormal, routes without query strings, TLS records apart, storms
 * grouped by server and time, minutes kept, idle bins at the usual
 * timeouts. */
static void
test_aggregate_triage (void)
{
  g_autoptr (ws_report) rp = ws_report_new ();
  /* 1005: a close frame without a code, on purpose */
  ws_report_add (rp, rb_rec ("192.0.2.20", 1005, "no_status", 1795470000, NULL));
  g_assert_cmpuint (rp->abnormal, ==, 0);
  /* a failed handshake is abnormal, but not an abnormal close */
  ws_report_rec *h = rb_rec ("192.0.2.20", -1, "handshake_rejected", 1795470010, NULL);
  h->handshake_failed = true;
  h->handshake_status = 403;
  ws_report_add (rp, h);
  g_assert_cmpuint (rp->abnormal, ==, 1);
  g_assert_cmpuint (rp->abnormal_closes, ==, 0);
  g_assert_cmpuint (rp->handshake_failures, ==, 1);
  /* routes: the query string and fragment are not part of them */
  ws_report_rec *q = rb_rec ("192.0.2.20", 1011, "server_internal_error", 1795470020, NULL);
  g_free (q->path);
  q->path = g_strdup ("/ws?token=REDACTED&room=7");
  ws_report_add (rp, q);
  q = rb_rec ("192.0.2.20", 1011, "server_internal_error", 1795470030, NULL);
  g_free (q->path);
  q->path = g_strdup ("/ws#x");
  ws_report_add (rp, q);
  ws_report_count *c = g_hash_table_lookup (rp->by_route, "/ws");
  g_assert_nonnull (c);
  g_assert_cmpuint (c->count, ==, 4);
  g_assert_cmpuint (c->abnormal, ==, 3);
  g_assert_cmpuint (g_hash_table_size (rp->by_route), ==, 1);
  /* the JSON's by_path keeps the paths as recorded */
  g_assert_cmpuint (g_hash_table_size (rp->by_path), ==, 3);
  g_assert_cmpuint (rp->abnormal_closes, ==, 2);

  /* a TLS connection whose content was not seen is not a WebSocket one */
  uint64_t conns = rp->connections;
  ws_report_rec *t = rb_rec ("192.0.2.40", -1, "tls_not_decrypted", 1795470040, NULL);
  t->kind_tls = t->tls = true;
  t->tls_sni = g_strdup ("chat.example");
  t->tls_reason = g_strdup ("no_key");
  ws_report_add (rp, t);
  /* a decrypted wss connection is one, and is counted as TLS too */
  t = rb_rec ("192.0.2.40", 1000, "normal_closure", 1795470050, NULL);
  t->tls = t->tls_decrypted = true;
  t->tls_sni = g_strdup ("chat.example");
  ws_report_add (rp, t);
  g_assert_cmpuint (rp->connections, ==, conns + 1);
  g_assert_cmpuint (rp->tls_records, ==, 2);
  g_assert_cmpuint (rp->tls_kind, ==, 1);
  g_assert_cmpuint (rp->tls_decrypted, ==, 1);
  ws_report_tls *ts = g_hash_table_lookup (rp->tls_by_server, "chat.example\t192.0.2.40:443");
  g_assert_nonnull (ts);
  g_assert_cmpuint (ts->count, ==, 2);
  g_assert_cmpuint (ts->decrypted, ==, 1);
  g_assert_cmpuint (*(uint64_t *) g_hash_table_lookup (rp->tls_reasons, "no_key"), ==, 1);

  /* storms: one server's storm closes within a minute of each other are
   * one storm; another server's, or the same server's an hour later, not */
  for (int i = 0; i < 6; i++)
    {
      const char *srv = i < 4 ? "192.0.2.50" : "192.0.2.51";
      ws_report_rec *s = rb_rec (srv, i % 2 ? 1001 : 1006, "connection_dropped",
                                 1795480000 + (i == 3 ? 3600 : i), NULL);
      s->cause_detail = g_strdup ("close_storm");
      ws_report_add (rp, s);
    }
  g_assert_cmpuint (rp->storms->len, ==, 3);
  const ws_report_storm *st = g_ptr_array_index (rp->storms, 0);
  g_assert_cmpstr (st->server, ==, "192.0.2.50:443");
  g_assert_cmpuint (st->count, ==, 3);
  g_assert_cmpint (st->last_us - st->first_us, ==, 2 * G_USEC_PER_SEC);
  g_assert_true (st->restart);   /* a 1001 among them */

  /* closes a minute apart stay apart (a deploy at 22:31 is not 22:00) */
  g_autoptr (ws_report) m = ws_report_new ();
  ws_report_add (m, rec_idle (1006, 1795473060, 30.4));  /* 2026-11-23 22:31:00 UTC */
  ws_report_add (m, rec_idle (1006, 1795473125, 59.0));
  ws_report_add (m, rec_idle (1006, 1795473130, 55.2));
  ws_report_add (m, rec_idle (1006, 1795473140, 100.0));
  ws_report_add (m, rec_idle (1006, 1795473150, 301.0));
  ws_report_add (m, rec_idle (1006, 1795473160, -1));
  g_assert_cmpuint (g_hash_table_size (m->minutes), ==, 2);
  /* the idle bins: 30.4 s in 30's, 59 in 60's, 55.2 in 55's, 100 in 100's,
   * 301 in 300's */
  int want[] = { 30, 60, 55, 100, 300 };
  for (size_t i = 0; i < G_N_ELEMENTS (want); i++)
    {
      int bin = -1;
      for (int b = 0; b < WS_REPORT_LB_BINS; b++)
        if (ws_report_lb_timeout (b) == want[i])
          bin = b;
      g_assert_cmpint (bin, >=, 0);
      g_assert_cmpuint (m->idle_lb[bin], ==, 1);
    }
  g_assert_cmpuint (m->idle_unknown, ==, 1);
}

int
main (int argc, char **argv)
{
  g_setenv ("TZ", "UTC", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/report/rec/same-from-conn-and-json", test_rec_same_both_ways);
  g_test_add_func ("/report/rec/fields", test_rec_fields);
  g_test_add_func ("/report/aggregate/order-independent", test_aggregate);
  g_test_add_func ("/report/aggregate/triage", test_aggregate_triage);
  g_test_add_func ("/report/analyzer/record-callback", test_analyzer_hook);
  g_test_add_func ("/report/jsonl/read", test_jsonl_read);
  g_test_add_func ("/report/input/capture-names", test_capture_names);
  g_test_add_func ("/report/input/collect", test_collect_inputs);
  g_test_add_func ("/report/summary/json", test_json_summary);
  g_test_add_func ("/report/summary/text", test_text_summary);
  return g_test_run ();
}
