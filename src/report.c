/* report.c - `wsclosed report`: a night of captures (files, directories of
 * rotated files) or JSON Lines (from `wsclosed -F json` or the daemon) in,
 * one summary out.
 *
 * Every connection becomes a ws_report_rec (see report.h).  Captures are read
 * together, in timestamp order, as one capture through the analyzer, whose
 * JSON writer feeds a stream that parses each line back: so a record from a
 * capture and the same record from a JSON Lines file take the same path, and
 * the reduce over per-file JSON Lines gives the report of a single process.
 *
 * Only counts and the top WS_REPORT_TOP connections are kept in memory; the
 * records themselves go to the history (SQLite) as they come.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "analyzer.h"
#include "capture.h"
#include "closecodes.h"
#include "history.h"
#include "html.h"
#include "output.h"
#include "report.h"

enum {
  EXIT_OK = 0,
  EXIT_USAGE = 1,
  EXIT_INPUT = 2,
  EXIT_OUTPUT = 3,
};

/* A JSON Lines line longer than this is skipped (and counted as bad). */
#define MAX_LINE (16u * 1024 * 1024)

/* ---- strings ------------------------------------------------------------------ */

char *
ws_report_utf8_dup (const char *s, size_t len)
{
  if (s == NULL)
    return NULL;
  const char *nul = memchr (s, '\0', len);
  if (nul)
    len = (size_t) (nul - s);
  GString *o = g_string_sized_new (len + 1);
  size_t i = 0;
  while (i < len)
    {
      /* one U+FFFD per byte that does not start a well-formed sequence,
       * as ws_json_string does */
      gunichar cp = g_utf8_get_char_validated (s + i, (gssize) (len - i));
      if (cp == (gunichar) -1 || cp == (gunichar) -2)
        {
          g_string_append (o, "\xEF\xBF\xBD");
          i++;
          continue;
        }
      size_t n = (size_t) g_utf8_skip[(guchar) s[i]];
      g_string_append_len (o, s + i, (gssize) n);
      i += n;
    }
  return g_string_free (o, FALSE);
}

static char *
dup0 (const char *s)
{
  return s ? ws_report_utf8_dup (s, strlen (s)) : NULL;
}

void
ws_report_code_key (int code, char buf[16])
{
  if (code < 0)
    g_strlcpy (buf, "open", 16);
  else
    g_snprintf (buf, 16, "%d", code);
}

/* ---- records ------------------------------------------------------------------ */

static void
evidence_free (gpointer p)
{
  ws_report_evidence *e = p;
  g_free (e->text);
  g_free (e);
}

ws_report_rec *
ws_report_rec_new (void)
{
  ws_report_rec *r = g_new0 (ws_report_rec, 1);
  r->handshake_status = -1;
  r->close_code = -1;
  r->close_initiator = WS_SIDE_NONE;
  r->tcp_end = WS_TCP_END_OPEN;
  r->tcp_end_by = WS_SIDE_NONE;
  r->idle_us = -1;
  r->evidence = g_ptr_array_new_with_free_func (evidence_free);
  return r;
}

void
ws_report_rec_free (ws_report_rec *r)
{
  if (r == NULL)
    return;
  g_free (r->client_ip);
  g_free (r->server_ip);
  g_free (r->host);
  g_free (r->path);
  g_free (r->close_reason);
  g_free (r->cause_id);
  g_free (r->cause_detail);
  g_free (r->cause_summary);
  g_free (r->cause_fix);
  g_free (r->cause_confidence);
  g_ptr_array_unref (r->evidence);
  g_free (r);
}

static void
add_evidence (ws_report_rec *r, int64_t ts_us, const char *text)
{
  ws_report_evidence *e = g_new0 (ws_report_evidence, 1);
  e->ts_us = ts_us;
  e->text = text ? dup0 (text) : g_strdup ("");
  g_ptr_array_add (r->evidence, e);
}

static bool
side_ok (ws_side s)
{
  return s == WS_SIDE_CLIENT || s == WS_SIDE_SERVER;
}

static int64_t
idle_of (int64_t end_us, int64_t last_frame_us, int64_t response_us)
{
  int64_t lf = last_frame_us ? last_frame_us : response_us;
  return end_us && lf && end_us >= lf ? end_us - lf : -1;
}

ws_report_rec *
ws_report_rec_from_conn (const ws_conn *c)
{
  ws_report_rec *r = ws_report_rec_new ();
  char buf[64];

  buf[0] = '\0';
  ws_addr_to_string (&c->addr[WS_SIDE_CLIENT], buf, sizeof buf);
  r->client_ip = dup0 (buf);
  buf[0] = '\0';
  ws_addr_to_string (&c->addr[WS_SIDE_SERVER], buf, sizeof buf);
  r->server_ip = dup0 (buf);
  r->client_port = c->port[WS_SIDE_CLIENT];
  r->server_port = c->port[WS_SIDE_SERVER];
  r->host = dup0 (c->host);
  r->path = dup0 (c->path);
  r->start_us = c->start_us;
  r->end_us = c->end_us;
  r->handshake_status = c->handshake_status >= 0 ? c->handshake_status : -1;
  r->handshake_failed = (c->handshake_status >= 0 && c->handshake_status != 101) ||
                        c->accept_valid == 0 || c->handshake_problem_kind != WS_HS_OK;
  r->close_code = ws_conn_close_code (c);
  if (side_ok (c->close_initiator))
    {
      const ws_close_info *ci = &c->close[c->close_initiator];
      r->close_initiator = c->close_initiator;
      if (ci->seen && ci->reason && ci->reason_len > 0)
        r->close_reason = ws_report_utf8_dup (ci->reason, ci->reason_len);
    }
  r->tcp_end = c->tcp_end;
  r->tcp_end_by = c->tcp_end != WS_TCP_END_OPEN && side_ok (c->tcp_end_by)
                  ? c->tcp_end_by : WS_SIDE_NONE;
  if (c->cause.id)
    {
      r->cause_id = dup0 (c->cause.id);
      r->cause_detail = dup0 (c->cause.detail);
      r->cause_summary = dup0 (c->cause.summary);
      r->cause_fix = dup0 (c->cause.fix);
      r->cause_confidence = dup0 (c->cause.confidence);
      for (guint i = 0; c->cause.evidence && i < c->cause.evidence->len; i++)
        {
          const ws_evidence *e = g_ptr_array_index (c->cause.evidence, i);
          if (e)
            add_evidence (r, e->ts_us, e->text);
        }
    }
  int64_t lf = MAX (c->dir[WS_SIDE_CLIENT].last_frame_us, c->dir[WS_SIDE_SERVER].last_frame_us);
  r->idle_us = idle_of (c->end_us, lf, c->response_us);
  return r;
}

/* ---- from JSON ----------------------------------------------------------------- */

static JsonNode *
jmember (JsonObject *o, const char *k)
{
  return o ? json_object_get_member (o, k) : NULL;
}

static const char *
jstr (JsonObject *o, const char *k)
{
  JsonNode *n = jmember (o, k);
  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return NULL;
}

static bool
jnum (JsonObject *o, const char *k, double *d, int64_t *i, bool *is_int)
{
  JsonNode *n = jmember (o, k);
  if (!n || !JSON_NODE_HOLDS_VALUE (n))
    return false;
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_INT64)
    {
      *i = json_node_get_int (n);
      *is_int = true;
      return true;
    }
  if (t == G_TYPE_DOUBLE)
    {
      *d = json_node_get_double (n);
      *is_int = false;
      return isfinite (*d);
    }
  return false;
}

/* An int field; def when null, absent or out of range. */
static int64_t
jint (JsonObject *o, const char *k, int64_t lo, int64_t hi, int64_t def)
{
  double d = 0;
  int64_t i = 0;
  bool is_int = false;
  if (!jnum (o, k, &d, &i, &is_int))
    return def;
  if (!is_int)
    {
      if (d < (double) lo || d > (double) hi || d != floor (d))
        return def;
      i = (int64_t) d;
    }
  return i >= lo && i <= hi ? i : def;
}

/* Epoch seconds with microseconds; 0 when null.  Seconds of our own writer
 * (16 significant digits) survive the double: llround gives back the exact
 * microsecond. */
static int64_t
jts (JsonObject *o, const char *k)
{
  double d = 0;
  int64_t i = 0;
  bool is_int = false;
  if (!jnum (o, k, &d, &i, &is_int))
    return 0;
  if (is_int)
    return i > INT64_MAX / 1000000 || i < INT64_MIN / 1000000 ? 0 : i * 1000000;
  if (fabs (d) > 9.0e12)
    return 0;
  return (int64_t) llround (d * 1e6);
}

static JsonObject *
jobj (JsonObject *o, const char *k)
{
  JsonNode *n = jmember (o, k);
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static ws_side
jside (JsonObject *o, const char *k)
{
  const char *s = jstr (o, k);
  if (g_strcmp0 (s, "client") == 0)
    return WS_SIDE_CLIENT;
  if (g_strcmp0 (s, "server") == 0)
    return WS_SIDE_SERVER;
  return WS_SIDE_NONE;
}

static ws_report_rec *
rec_from_object (JsonObject *o)
{
  ws_report_rec *r = ws_report_rec_new ();

  r->client_ip = dup0 (jstr (o, "client_ip"));
  r->server_ip = dup0 (jstr (o, "server_ip"));
  r->client_port = (unsigned) jint (o, "client_port", 0, 65535, 0);
  r->server_port = (unsigned) jint (o, "server_port", 0, 65535, 0);
  r->host = dup0 (jstr (o, "host"));
  r->path = dup0 (jstr (o, "path"));
  r->start_us = jts (o, "start_ts");
  r->end_us = jts (o, "end_ts");
  r->handshake_status = (int) jint (o, "handshake_status", 0, 999, -1);
  JsonNode *av = jmember (o, "accept_valid");
  bool accept_bad = av && JSON_NODE_HOLDS_VALUE (av) &&
                    json_node_get_value_type (av) == G_TYPE_BOOLEAN &&
                    !json_node_get_boolean (av);
  r->handshake_failed = (r->handshake_status >= 0 && r->handshake_status != 101) ||
                        accept_bad || jstr (o, "handshake_problem_kind") != NULL;
  r->close_code = (int) jint (o, "close_code", 0, 65535, -1);
  r->close_reason = dup0 (jstr (o, "close_reason"));
  r->close_initiator = jside (o, "close_initiator");
  const char *te = jstr (o, "tcp_end");
  r->tcp_end = g_strcmp0 (te, "rst") == 0 ? WS_TCP_END_RST
             : g_strcmp0 (te, "fin") == 0 ? WS_TCP_END_FIN : WS_TCP_END_OPEN;
  r->tcp_end_by = r->tcp_end != WS_TCP_END_OPEN ? jside (o, "tcp_end_by") : WS_SIDE_NONE;

  JsonObject *cause = jobj (o, "cause");
  if (cause && jstr (cause, "id"))
    {
      r->cause_id = dup0 (jstr (cause, "id"));
      r->cause_detail = dup0 (jstr (cause, "detail"));
      r->cause_summary = dup0 (jstr (cause, "summary"));
      r->cause_fix = dup0 (jstr (cause, "fix"));
      r->cause_confidence = dup0 (jstr (cause, "confidence"));
      JsonNode *ev = jmember (cause, "evidence");
      if (ev && JSON_NODE_HOLDS_ARRAY (ev))
        {
          JsonArray *a = json_node_get_array (ev);
          guint n = json_array_get_length (a);
          for (guint i = 0; i < n; i++)
            {
              JsonNode *e = json_array_get_element (a, i);
              if (!e || !JSON_NODE_HOLDS_OBJECT (e))
                continue;
              JsonObject *eo = json_node_get_object (e);
              add_evidence (r, jts (eo, "ts"), jstr (eo, "text"));
            }
        }
    }
  JsonObject *stats = jobj (o, "stats");
  int64_t lf = MAX (jts (jobj (stats, "client"), "last_frame_ts"),
                    jts (jobj (stats, "server"), "last_frame_ts"));
  r->idle_us = idle_of (r->end_us, lf, jts (o, "response_ts"));
  return r;
}

static ws_report_rec *
rec_parse (JsonParser *p, const char *line, size_t len, GError **error)
{
  if (!json_parser_load_from_data (p, line, (gssize) len, error))
    return NULL;
  JsonNode *root = json_parser_get_root (p);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a JSON object");
      return NULL;
    }
  return rec_from_object (json_node_get_object (root));
}

ws_report_rec *
ws_report_rec_from_json (const char *line, size_t len, GError **error)
{
  g_autoptr (JsonParser) p = json_parser_new_immutable ();
  return rec_parse (p, line, len, error);
}

bool
ws_report_rec_equal (const ws_report_rec *a, const ws_report_rec *b)
{
  if (g_strcmp0 (a->client_ip, b->client_ip) || g_strcmp0 (a->server_ip, b->server_ip) ||
      a->client_port != b->client_port || a->server_port != b->server_port ||
      g_strcmp0 (a->host, b->host) || g_strcmp0 (a->path, b->path) ||
      a->start_us != b->start_us || a->end_us != b->end_us ||
      a->handshake_status != b->handshake_status ||
      a->handshake_failed != b->handshake_failed || a->close_code != b->close_code ||
      g_strcmp0 (a->close_reason, b->close_reason) ||
      a->close_initiator != b->close_initiator || a->tcp_end != b->tcp_end ||
      a->tcp_end_by != b->tcp_end_by || g_strcmp0 (a->cause_id, b->cause_id) ||
      g_strcmp0 (a->cause_detail, b->cause_detail) ||
      g_strcmp0 (a->cause_summary, b->cause_summary) ||
      g_strcmp0 (a->cause_fix, b->cause_fix) ||
      g_strcmp0 (a->cause_confidence, b->cause_confidence) ||
      a->idle_us != b->idle_us || a->evidence->len != b->evidence->len)
    return false;
  for (guint i = 0; i < a->evidence->len; i++)
    {
      const ws_report_evidence *x = g_ptr_array_index (a->evidence, i);
      const ws_report_evidence *y = g_ptr_array_index (b->evidence, i);
      if (x->ts_us != y->ts_us || g_strcmp0 (x->text, y->text))
        return false;
    }
  return true;
}

bool
ws_report_rec_abnormal (const ws_report_rec *r)
{
  if (r->handshake_failed)
    return true;
  return r->close_code >= 0 && r->close_code != 1000 && r->close_code != 1001;
}

int
ws_report_rec_score (const ws_report_rec *r)
{
  int s;

  if (!ws_report_rec_abnormal (r))
    return 0;
  if (r->handshake_failed)
    s = 60;
  else
    switch (r->close_code)
      {
      case 1006: s = 70; break;            /* nobody said why */
      case 1011: case 1014: s = 65; break; /* server trouble */
      case 1002: case 1003: case 1007: case 1008: case 1009: case 1010: s = 55; break;
      case 1012: case 1013: s = 40; break; /* planned */
      case 1005: s = 35; break;
      default: s = 30; break;              /* application codes */
      }
  if (g_strcmp0 (r->cause_confidence, "high") == 0)
    s += 3;
  else if (g_strcmp0 (r->cause_confidence, "medium") == 0)
    s += 2;
  else if (r->cause_confidence)
    s += 1;
  return s;
}

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)
#define SCMP(a, b) do { int c_ = g_strcmp0 ((a), (b)); if (c_) return c_; } while (0)

int
ws_report_rec_rank_cmp (const ws_report_rec *a, const ws_report_rec *b)
{
  CMP (ws_report_rec_score (b), ws_report_rec_score (a));
  CMP (a->start_us, b->start_us);
  SCMP (a->client_ip, b->client_ip);
  CMP (a->client_port, b->client_port);
  SCMP (a->server_ip, b->server_ip);
  CMP (a->server_port, b->server_port);
  CMP (a->end_us, b->end_us);
  CMP (a->close_code, b->close_code);
  SCMP (a->cause_id, b->cause_id);
  SCMP (a->close_reason, b->close_reason);
  return 0;
}

/* ---- the aggregate ----------------------------------------------------------------- */

const double ws_report_idle_edges[WS_REPORT_IDLE_BINS - 1] = {
  1, 5, 15, 30, 60, 120, 300, 600, 1800
};

const char *
ws_report_idle_label (int bin)
{
  static const char *const labels[WS_REPORT_IDLE_BINS] = {
    "<1s", "1-5s", "5-15s", "15-30s", "30-60s", "1-2m", "2-5m", "5-10m",
    "10-30m", ">=30m"
  };
  return bin >= 0 && bin < WS_REPORT_IDLE_BINS ? labels[bin] : "?";
}

static void
hour_free (gpointer p)
{
  ws_report_hour *h = p;
  g_hash_table_unref (h->codes);
  g_hash_table_unref (h->causes);
  g_free (h);
}

static GHashTable *
count_table (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

ws_report *
ws_report_new (void)
{
  ws_report *rp = g_new0 (ws_report, 1);
  rp->by_code = count_table ();
  rp->by_cause = count_table ();
  rp->by_server = count_table ();
  rp->by_host = count_table ();
  rp->by_path = count_table ();
  rp->hs_fail = count_table ();
  rp->hours = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, hour_free);
  rp->top = g_ptr_array_new_with_free_func ((GDestroyNotify) ws_report_rec_free);
  return rp;
}

void
ws_report_free (ws_report *rp)
{
  if (!rp)
    return;
  g_hash_table_unref (rp->by_code);
  g_hash_table_unref (rp->by_cause);
  g_hash_table_unref (rp->by_server);
  g_hash_table_unref (rp->by_host);
  g_hash_table_unref (rp->by_path);
  g_hash_table_unref (rp->hs_fail);
  g_hash_table_unref (rp->hours);
  g_ptr_array_unref (rp->top);
  g_free (rp);
}

static void
count (GHashTable *h, const char *key, bool abnormal)
{
  ws_report_count *c = g_hash_table_lookup (h, key);
  if (!c)
    {
      c = g_new0 (ws_report_count, 1);
      g_hash_table_insert (h, g_strdup (key), c);
    }
  c->count++;
  if (abnormal)
    c->abnormal++;
}

static void
count_plain (GHashTable *h, const char *key)
{
  uint64_t *n = g_hash_table_lookup (h, key);
  if (!n)
    {
      n = g_new0 (uint64_t, 1);
      g_hash_table_insert (h, g_strdup (key), n);
    }
  (*n)++;
}

static int64_t
floor_div (int64_t a, int64_t b)
{
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t
ws_report_local_hour (int64_t ts_us)
{
  int64_t sec = floor_div (ts_us, G_USEC_PER_SEC);
  GDateTime *dt = g_date_time_new_from_unix_local (sec);
  int64_t off = 0;
  if (dt)
    {
      off = g_date_time_get_utc_offset (dt) / G_USEC_PER_SEC;
      g_date_time_unref (dt);
    }
  return floor_div (sec + off, 3600);
}

static char *
endpoint (const char *ip, unsigned port)
{
  if (ip && strchr (ip, ':'))
    return g_strdup_printf ("[%s]:%u", ip, port);
  return g_strdup_printf ("%s:%u", ip ? ip : "?", port);
}

void
ws_report_add (ws_report *rp, ws_report_rec *r)
{
  bool ab = ws_report_rec_abnormal (r);
  char code[16];

  rp->connections++;
  if (ab)
    rp->abnormal++;
  if (r->handshake_failed)
    rp->handshake_failures++;
  if (r->close_code < 0)
    rp->still_open++;
  if (r->start_us && (rp->first_us == 0 || r->start_us < rp->first_us))
    rp->first_us = r->start_us;
  if (r->end_us > rp->last_us)
    rp->last_us = r->end_us;

  ws_report_code_key (r->close_code, code);
  const char *cause = r->cause_id ? r->cause_id : "none";
  count (rp->by_code, code, ab);
  count (rp->by_cause, cause, ab);
  g_autofree char *srv = endpoint (r->server_ip, r->server_port);
  count (rp->by_server, srv, ab);
  count (rp->by_host, r->host ? r->host : "(none)", ab);
  count (rp->by_path, r->path ? r->path : "(none)", ab);

  if (r->handshake_failed)
    {
      g_autofree char *k = r->handshake_status >= 0 && r->handshake_status != 101
        ? g_strdup_printf ("HTTP %d", r->handshake_status)
        : g_strdup (r->cause_id ? r->cause_id : "bad 101 response");
      count (rp->hs_fail, k, true);
    }

  if (r->close_code >= 0 && r->end_us)
    {
      int64_t hour = ws_report_local_hour (r->end_us);
      ws_report_hour *h = g_hash_table_lookup (rp->hours, &hour);
      if (!h)
        {
          h = g_new0 (ws_report_hour, 1);
          h->hour = hour;
          h->codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
          h->causes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
          g_hash_table_insert (rp->hours, g_memdup2 (&hour, sizeof hour), h);
        }
      count_plain (h->codes, code);
      count_plain (h->causes, cause);
    }

  if (r->close_code == 1006 && !r->handshake_failed)
    {
      if (r->idle_us < 0)
        rp->idle_unknown++;
      else
        {
          double s = (double) r->idle_us / 1e6;
          int bin = 0;
          while (bin < WS_REPORT_IDLE_BINS - 1 && s >= ws_report_idle_edges[bin])
            bin++;
          rp->idle_bins[bin]++;
        }
    }

  /* keep the top WS_REPORT_TOP abnormal connections, ranked */
  if (!ab)
    {
      ws_report_rec_free (r);
      return;
    }
  guint n = rp->top->len;
  if (n == WS_REPORT_TOP &&
      ws_report_rec_rank_cmp (r, g_ptr_array_index (rp->top, n - 1)) >= 0)
    {
      ws_report_rec_free (r);
      return;
    }
  guint pos = n;
  while (pos > 0 && ws_report_rec_rank_cmp (r, g_ptr_array_index (rp->top, pos - 1)) < 0)
    pos--;
  g_ptr_array_insert (rp->top, (gint) pos, r);
  if (rp->top->len > WS_REPORT_TOP)
    g_ptr_array_remove_index (rp->top, rp->top->len - 1);
}

typedef struct {
  GHashTable *h;
  bool abnormal;
} sort_ctx;

static uint64_t
sort_value (GHashTable *h, const char *k, bool abnormal)
{
  const ws_report_count *c = g_hash_table_lookup (h, k);
  return c ? (abnormal ? c->abnormal : c->count) : 0;
}

static gint
key_cmp (gconstpointer a, gconstpointer b, gpointer user)
{
  const sort_ctx *s = user;
  const char *ka = *(const char *const *) a, *kb = *(const char *const *) b;
  uint64_t va = sort_value (s->h, ka, s->abnormal), vb = sort_value (s->h, kb, s->abnormal);
  if (va != vb)
    return va > vb ? -1 : 1;
  return strcmp (ka, kb);
}

GPtrArray *
ws_report_sorted_keys (GHashTable *h, bool abnormal)
{
  GPtrArray *keys = g_ptr_array_new ();
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, h);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      const ws_report_count *c = v;
      if (!abnormal || c->abnormal > 0)
        g_ptr_array_add (keys, k);
    }
  sort_ctx s = { h, abnormal };
  g_ptr_array_sort_with_data (keys, key_cmp, &s);
  return keys;
}

/* ---- progress on stderr --------------------------------------------------------- */

typedef struct {
  bool on;
  unsigned files_total, files_done;
  uint64_t bytes_total, bytes_done;
  int64_t t0, last;
  unsigned ticks;
} progress;

static void
human_bytes (char *buf, size_t len, double b)
{
  const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
  int u = 0;
  while (b >= 1024 && u < 4)
    {
      b /= 1024;
      u++;
    }
  g_snprintf (buf, len, u ? "%.1f %s" : "%.0f %s", b, units[u]);
}

static void
progress_show (progress *p, bool force)
{
  if (!p->on)
    return;
  int64_t now = g_get_monotonic_time ();
  if (!force && now - p->last < 200000)
    return;
  p->last = now;
  double el = (double) (now - p->t0) / 1e6;
  double done = (double) MIN (p->bytes_done, p->bytes_total);
  double frac = p->bytes_total ? done / (double) p->bytes_total : 0;
  double rate = el > 0 ? done / el : 0;
  char d[32], t[32], r[32], eta[32];
  human_bytes (d, sizeof d, done);
  human_bytes (t, sizeof t, (double) p->bytes_total);
  human_bytes (r, sizeof r, rate);
  if (rate > 0 && frac < 1)
    {
      int64_t left = (int64_t) (((double) p->bytes_total - done) / rate);
      g_snprintf (eta, sizeof eta, "%" PRId64 ":%02" PRId64 " left", left / 60, left % 60);
    }
  else
    g_strlcpy (eta, "", sizeof eta);
  char bar[21];
  int fill = (int) (frac * 20);
  for (int i = 0; i < 20; i++)
    bar[i] = i < fill ? '#' : '.';
  bar[20] = '\0';
  fprintf (stderr, "\r\033[K[%s] %u/%u files  %s/%s  %s/s  %s", bar, p->files_done,
           p->files_total, d, t, r, eta);
  fflush (stderr);
}

static void
progress_end (progress *p)
{
  if (!p->on)
    return;
  fputs ("\r\033[K", stderr);
  fflush (stderr);
}

/* ---- the record sink: JSON lines -> records -> report and history ---------------- */

typedef struct {
  ws_report *rp;
  ws_history *hist;           /* NULL without --db */
  GError *hist_error;         /* first history error; stops further inserts */
  JsonParser *parser;
  GString *line;
  bool overflow;              /* the current line is past MAX_LINE */
  const char *source;
  uint64_t lineno;
  uint64_t bad_lines;
  unsigned warnings;
  progress *pg;
} sink;

static void
sink_line (sink *s, const char *buf, size_t len)
{
  size_t i = 0;
  s->lineno++;
  while (i < len && g_ascii_isspace (buf[i]))
    i++;
  if (i == len)
    return;
  g_autoptr (GError) e = NULL;
  ws_report_rec *r = rec_parse (s->parser, buf, len, &e);
  if (!r)
    {
      s->bad_lines++;
      if (s->warnings++ < 5)
        g_printerr ("wsclosed report: %s:%" PRIu64 ": not a JSON record: %s\n", s->source,
                    s->lineno, e ? e->message : "?");
      return;
    }
  if (s->hist && !s->hist_error)
    ws_history_add (s->hist, r, &s->hist_error);
  ws_report_add (s->rp, r);
}

static void
sink_feed (sink *s, const char *buf, size_t len)
{
  while (len > 0)
    {
      const char *nl = memchr (buf, '\n', len);
      size_t n = nl ? (size_t) (nl - buf) : len;
      if (!s->overflow)
        {
          if (s->line->len + n > MAX_LINE)
            {
              s->overflow = true;
              g_string_truncate (s->line, 0);
            }
          else
            g_string_append_len (s->line, buf, (gssize) n);
        }
      if (!nl)
        return;
      if (s->overflow)
        {
          s->lineno++;
          s->bad_lines++;
          if (s->warnings++ < 5)
            g_printerr ("wsclosed report: %s:%" PRIu64 ": line longer than %u bytes skipped\n",
                        s->source, s->lineno, MAX_LINE);
        }
      else
        sink_line (s, s->line->str, s->line->len);
      g_string_truncate (s->line, 0);
      s->overflow = false;
      buf = nl + 1;
      len -= n + 1;
    }
}

/* The last line may lack its newline. */
static void
sink_flush (sink *s)
{
  if (s->line->len || s->overflow)
    sink_feed (s, "\n", 1);
}

static void
sink_begin (sink *s, const char *source)
{
  s->source = source;
  s->lineno = 0;
  s->warnings = 0;
  g_string_truncate (s->line, 0);
  s->overflow = false;
}

static bool
read_jsonl (sink *s, const char *path)
{
  FILE *fp = fopen (path, "rb");
  if (!fp)
    {
      g_printerr ("wsclosed report: %s: %s\n", path, g_strerror (errno));
      return false;
    }
  sink_begin (s, path);
  uint64_t bad0 = s->bad_lines;
  char buf[65536];
  size_t n;
  while ((n = fread (buf, 1, sizeof buf, fp)) > 0)
    {
      sink_feed (s, buf, n);
      s->pg->bytes_done += n;
      progress_show (s->pg, false);
    }
  bool ok = !ferror (fp);
  if (!ok)
    g_printerr ("wsclosed report: %s: read error: %s\n", path, g_strerror (errno));
  fclose (fp);
  sink_flush (s);
  s->pg->files_done++;
  return ok && s->bad_lines == bad0;
}

/* ---- captures through the analyzer --------------------------------------------------- */

typedef struct {
  ws_analyzer *a;
  progress *pg;
} cap_ctx;

static void
on_packet (void *user, int linktype, const struct pcap_pkthdr *h, const uint8_t *data)
{
  cap_ctx *c = user;
  ws_analyzer_packet (c->a, linktype, h, data);
  c->pg->bytes_done += 16 + h->caplen;   /* record header + data */
  if ((++c->pg->ticks & 255) == 0)
    progress_show (c->pg, false);
}

#ifdef HAVE_FOPENCOOKIE
static ssize_t
cookie_write (void *cookie, const char *buf, size_t len)
{
  sink_feed (cookie, buf, len);
  return (ssize_t) len;
}
#endif

/* Returns the number of problems (files not read, read errors). */
static int
read_captures (sink *s, GPtrArray *files, const char *label)
{
  int n_errors = 0;
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (files, NULL);
  ws_capture *cap = ws_capture_open_files ((char **) files->pdata, NULL, &n_errors, &error);
  g_ptr_array_remove_index (files, files->len - 1);
  if (!cap)
    {
      g_printerr ("wsclosed report: %s\n", error->message);
      return n_errors + 1;
    }
#ifdef HAVE_FOPENCOOKIE
  cookie_io_functions_t io = { .write = cookie_write };
  FILE *fp = fopencookie (s, "w", io);
#else
  FILE *fp = tmpfile ();
#endif
  if (!fp)
    {
      g_printerr ("wsclosed report: cannot buffer records: %s\n", g_strerror (errno));
      ws_capture_free (cap);
      return n_errors + 1;
    }
  sink_begin (s, label);
  ws_analyzer_opts ao;
  ws_analyzer_opts_init (&ao);
  ws_writer *w = ws_writer_new (fp, WS_FMT_JSON, false);
  ws_analyzer *a = ws_analyzer_new (&ao, w);
  cap_ctx cc = { a, s->pg };
  n_errors += ws_capture_run (cap, on_packet, &cc);
  ws_analyzer_finish (a);
  ws_writer_finish (w, &ws_stats);
  if (ws_analyzer_write_errors (a) || fflush (fp) != 0)
    n_errors++;
#ifndef HAVE_FOPENCOOKIE
  rewind (fp);
  char buf[65536];
  size_t n;
  while ((n = fread (buf, 1, sizeof buf, fp)) > 0)
    sink_feed (s, buf, n);
#endif
  fclose (fp);
  sink_flush (s);
  ws_analyzer_free (a);
  ws_writer_free (w);
  ws_capture_free (cap);
  s->pg->files_done += files->len;
  return n_errors;
}

/* ---- inputs ------------------------------------------------------------------------ */

static bool
all_digits (const char *s)
{
  if (!*s)
    return false;
  for (; *s; s++)
    if (!g_ascii_isdigit (*s))
      return false;
  return true;
}

/* name.pcap name.pcapng name.cap, optionally .gz, and rotated names:
 * name.pcap0 (tcpdump -C/-W), name.pcap.1 (logrotate). */
static bool
is_capture_name (const char *name)
{
  static const char *const exts[] = { ".pcapng", ".pcap", ".cap" };
  g_autofree char *n = g_strdup (name);
  size_t len = strlen (n);
  if (len > 3 && g_str_has_suffix (n, ".gz"))
    n[len - 3] = '\0';
  for (size_t i = 0; i < G_N_ELEMENTS (exts); i++)
    {
      const char *p = n;
      const char *hit = NULL;
      while ((p = strstr (p, exts[i])) != NULL)
        {
          hit = p;
          p++;
        }
      if (!hit || hit == n)
        continue;
      const char *rest = hit + strlen (exts[i]);
      if (*rest == '\0' || all_digits (rest) || (rest[0] == '.' && all_digits (rest + 1)))
        return true;
    }
  return false;
}

/* Natural order, so name.pcap2 comes before name.pcap10 (the order does not
 * change the result, packets are merged by time; it keeps messages tidy). */
static gint
natural_cmp (gconstpointer a, gconstpointer b)
{
  const char *x = *(const char *const *) a, *y = *(const char *const *) b;
  while (*x && *y)
    {
      if (g_ascii_isdigit (*x) && g_ascii_isdigit (*y))
        {
          char *ex, *ey;
          guint64 nx = g_ascii_strtoull (x, &ex, 10), ny = g_ascii_strtoull (y, &ey, 10);
          if (nx != ny)
            return nx < ny ? -1 : 1;
          x = ex;
          y = ey;
          continue;
        }
      if (*x != *y)
        return (guchar) *x < (guchar) *y ? -1 : 1;
      x++;
      y++;
    }
  return (guchar) *x - (guchar) *y;
}

/* JSON Lines when the first non-space byte is '{' (or the file is empty). */
static bool
looks_like_jsonl (const char *path, bool *ok)
{
  *ok = true;
  FILE *fp = fopen (path, "rb");
  if (!fp)
    {
      *ok = false;
      return false;
    }
  char buf[4096];
  size_t n;
  bool json = true;   /* empty: an empty map output */
  while ((n = fread (buf, 1, sizeof buf, fp)) > 0)
    {
      size_t i = 0;
      while (i < n && g_ascii_isspace (buf[i]))
        i++;
      if (i < n)
        {
          json = buf[i] == '{';
          break;
        }
    }
  fclose (fp);
  return json;
}

static uint64_t
file_size (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 ? (uint64_t) st.st_size : 0;
}

/* Sort INPUTs into captures and JSON Lines files.  Returns problems found. */
static int
collect_inputs (char **inputs, GPtrArray *caps, GPtrArray *jsonl)
{
  int problems = 0;
  for (char **in = inputs; *in; in++)
    {
      if (g_file_test (*in, G_FILE_TEST_IS_DIR))
        {
          g_autoptr (GError) e = NULL;
          GDir *d = g_dir_open (*in, 0, &e);
          if (!d)
            {
              g_printerr ("wsclosed report: %s\n", e->message);
              problems++;
              continue;
            }
          g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
          const char *name;
          while ((name = g_dir_read_name (d)) != NULL)
            if (name[0] != '.' && is_capture_name (name))
              g_ptr_array_add (names, g_build_filename (*in, name, NULL));
          g_dir_close (d);
          if (names->len == 0)
            {
              g_printerr ("wsclosed report: %s: no captures in this directory\n", *in);
              problems++;
              continue;
            }
          g_ptr_array_sort (names, natural_cmp);
          for (guint i = 0; i < names->len; i++)
            g_ptr_array_add (caps, g_strdup (g_ptr_array_index (names, i)));
          continue;
        }
      bool ok;
      bool json = looks_like_jsonl (*in, &ok);
      if (!ok)
        {
          g_printerr ("wsclosed report: %s: %s\n", *in, g_strerror (errno));
          problems++;
          continue;
        }
      g_ptr_array_add (json ? jsonl : caps, g_strdup (*in));
    }
  return problems;
}

/* ---- text and JSON summaries --------------------------------------------------------- */

static void
text_safe (GString *o, const char *s)
{
  if (s)
    ws_text_safe (o, s, strlen (s));
}

static void
local_time (GString *o, int64_t ts_us, const char *fmt)
{
  GDateTime *dt = g_date_time_new_from_unix_local (floor_div (ts_us, G_USEC_PER_SEC));
  if (!dt)
    {
      g_string_append (o, "?");
      return;
    }
  g_autofree char *s = g_date_time_format (dt, fmt);
  g_string_append (o, s ? s : "?");
  g_date_time_unref (dt);
}

static void
text_table (GString *o, const char *title, GHashTable *h, bool abnormal, guint limit)
{
  g_autoptr (GPtrArray) keys = ws_report_sorted_keys (h, abnormal);
  if (keys->len == 0)
    return;
  g_string_append_printf (o, "\n%s:\n", title);
  for (guint i = 0; i < keys->len && i < limit; i++)
    {
      const char *k = g_ptr_array_index (keys, i);
      const ws_report_count *c = g_hash_table_lookup (h, k);
      g_string_append (o, "  ");
      GString *cell = g_string_new (NULL);
      text_safe (cell, k);
      g_string_append_printf (o, "%-40s", cell->str);
      g_string_free (cell, TRUE);
      if (abnormal)
        g_string_append_printf (o, " %6" PRIu64 " abnormal of %" PRIu64 "\n", c->abnormal,
                                c->count);
      else
        g_string_append_printf (o, " %6" PRIu64 "\n", c->count);
    }
  if (keys->len > limit)
    g_string_append_printf (o, "  ... and %u more\n", keys->len - limit);
}

static const char *
code_name (const char *key)
{
  char *end;
  long code = strtol (key, &end, 10);
  if (*end || end == key)
    return "still open";
  return ws_code_lookup ((int) code)->name;
}

static void
text_delta (GString *o, const ws_history_delta *d)
{
  g_string_append (o, "  ");
  GString *k = g_string_new (NULL);
  text_safe (k, d->key);
  g_string_append_printf (o, "%-8s %-32s %6" PRId64 "  (previous %" PRId64 ", average %.1f)%s\n",
                          d->dim, k->str, d->now, d->prev, d->avg, d->is_new ? "  NEW" : "");
  g_string_free (k, TRUE);
}

static void
text_summary (GString *o, const ws_report *rp, const char *label, const ws_history_cmp *cmp)
{
  g_string_append (o, "wsclosed report");
  if (label)
    {
      g_string_append (o, " ");
      text_safe (o, label);
    }
  g_string_append_printf (o, ": %" PRIu64 " WebSocket connections", rp->connections);
  if (rp->first_us)
    {
      g_string_append (o, ", ");
      local_time (o, rp->first_us, "%Y-%m-%d %H:%M");
      g_string_append (o, " to ");
      local_time (o, MAX (rp->last_us, rp->first_us), "%Y-%m-%d %H:%M %Z");
    }
  g_string_append_printf (o, "\n  abnormal closes: %" PRIu64 "   handshake failures: %" PRIu64
                          "   still open: %" PRIu64 "\n",
                          rp->abnormal, rp->handshake_failures, rp->still_open);

  g_autoptr (GPtrArray) codes = ws_report_sorted_keys (rp->by_code, false);
  if (codes->len)
    g_string_append (o, "\nBy close code:\n");
  for (guint i = 0; i < codes->len; i++)
    {
      const char *k = g_ptr_array_index (codes, i);
      const ws_report_count *c = g_hash_table_lookup (rp->by_code, k);
      g_string_append_printf (o, "  %-5s %-34s %6" PRIu64 "\n", k, code_name (k), c->count);
    }
  text_table (o, "By cause", rp->by_cause, false, 30);
  text_table (o, "Servers by abnormal closes", rp->by_server, true, 10);
  text_table (o, "Hosts by abnormal closes", rp->by_host, true, 10);
  text_table (o, "Paths by abnormal closes", rp->by_path, true, 10);
  text_table (o, "Handshake failures", rp->hs_fail, false, 10);

  uint64_t idle_total = rp->idle_unknown;
  for (int i = 0; i < WS_REPORT_IDLE_BINS; i++)
    idle_total += rp->idle_bins[i];
  if (idle_total)
    {
      g_string_append (o, "\nIdle time before 1006 closes:\n");
      for (int i = 0; i < WS_REPORT_IDLE_BINS; i++)
        if (rp->idle_bins[i])
          g_string_append_printf (o, "  %-10s %6" PRIu64 "\n", ws_report_idle_label (i),
                                  rp->idle_bins[i]);
      if (rp->idle_unknown)
        g_string_append_printf (o, "  %-10s %6" PRIu64 "\n", "unknown", rp->idle_unknown);
    }

  if (rp->top->len)
    g_string_append (o, "\nConnections that matter most:\n");
  for (guint i = 0; i < rp->top->len && i < 10; i++)
    {
      const ws_report_rec *r = g_ptr_array_index (rp->top, i);
      char code[16];
      ws_report_code_key (r->close_code, code);
      g_autofree char *cl = endpoint (r->client_ip, r->client_port);
      g_autofree char *sv = endpoint (r->server_ip, r->server_port);
      g_string_append_printf (o, "%3u. ", i + 1);
      if (r->end_us)
        local_time (o, r->end_us, "%H:%M:%S");
      g_string_append (o, " ");
      text_safe (o, cl);
      g_string_append (o, " -> ");
      text_safe (o, sv);
      g_string_append (o, " ");
      text_safe (o, r->path);
      g_string_append_printf (o, "  %s %s", code, r->cause_id ? r->cause_id : "-");
      if (r->close_reason)
        {
          g_string_append (o, " \"");
          text_safe (o, r->close_reason);
          g_string_append (o, "\"");
        }
      g_string_append (o, "\n");
      if (r->cause_fix)
        {
          g_string_append (o, "     fix: ");
          text_safe (o, r->cause_fix);
          g_string_append (o, "\n");
        }
    }

  if (cmp)
    {
      if (!cmp->prev_label)
        g_string_append (o, "\nHistory: no earlier run to compare with.\n");
      else
        {
          g_string_append (o, "\nCompared with ");
          text_safe (o, cmp->prev_label);
          g_string_append_printf (o, " and the average of %d earlier run%s:\n", cmp->n_prev,
                                  cmp->n_prev == 1 ? "" : "s");
          if (cmp->deltas->len == 0)
            g_string_append (o, "  no change\n");
          for (guint i = 0; i < cmp->deltas->len && i < 20; i++)
            text_delta (o, g_ptr_array_index (cmp->deltas, i));
        }
    }
}

static void
json_key (GString *o, const char *k)
{
  char last = o->len ? o->str[o->len - 1] : '{';
  if (last != '{' && last != '[')
    g_string_append_c (o, ',');
  ws_json_string (o, k, strlen (k));
  g_string_append_c (o, ':');
}

static void
json_str (GString *o, const char *k, const char *v)
{
  json_key (o, k);
  ws_json_string (o, v, v ? strlen (v) : 0);
}

static void
json_ts (GString *o, const char *k, int64_t ts)
{
  json_key (o, k);
  if (ts)
    ws_ts_append (o, ts);
  else
    g_string_append (o, "null");
}

static void
json_counts (GString *o, const char *name, GHashTable *h, bool abnormal)
{
  json_key (o, name);
  g_string_append_c (o, '{');
  g_autoptr (GPtrArray) keys = ws_report_sorted_keys (h, abnormal);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *k = g_ptr_array_index (keys, i);
      const ws_report_count *c = g_hash_table_lookup (h, k);
      json_key (o, k);
      g_string_append_printf (o, "{\"count\":%" PRIu64 ",\"abnormal\":%" PRIu64 "}", c->count,
                              c->abnormal);
    }
  g_string_append_c (o, '}');
}

static void
json_summary (GString *o, const ws_report *rp, const char *label, const ws_history_cmp *cmp)
{
  g_string_append_c (o, '{');
  json_str (o, "label", label);
  json_key (o, "connections");
  g_string_append_printf (o, "%" PRIu64, rp->connections);
  json_key (o, "abnormal");
  g_string_append_printf (o, "%" PRIu64, rp->abnormal);
  json_key (o, "handshake_failures");
  g_string_append_printf (o, "%" PRIu64, rp->handshake_failures);
  json_key (o, "still_open");
  g_string_append_printf (o, "%" PRIu64, rp->still_open);
  json_ts (o, "first_ts", rp->first_us);
  json_ts (o, "last_ts", rp->last_us);
  json_counts (o, "by_code", rp->by_code, false);
  json_counts (o, "by_cause", rp->by_cause, false);
  json_counts (o, "by_server", rp->by_server, false);
  json_counts (o, "by_host", rp->by_host, false);
  json_counts (o, "by_path", rp->by_path, false);
  json_counts (o, "handshake_failures_by_kind", rp->hs_fail, false);
  json_key (o, "idle_before_1006");
  g_string_append_c (o, '{');
  for (int i = 0; i < WS_REPORT_IDLE_BINS; i++)
    {
      json_key (o, ws_report_idle_label (i));
      g_string_append_printf (o, "%" PRIu64, rp->idle_bins[i]);
    }
  json_key (o, "unknown");
  g_string_append_printf (o, "%" PRIu64 "}", rp->idle_unknown);
  json_key (o, "top");
  g_string_append_c (o, '[');
  for (guint i = 0; i < rp->top->len; i++)
    {
      const ws_report_rec *r = g_ptr_array_index (rp->top, i);
      if (i)
        g_string_append_c (o, ',');
      g_string_append_c (o, '{');
      json_str (o, "client_ip", r->client_ip);
      json_key (o, "client_port");
      g_string_append_printf (o, "%u", r->client_port);
      json_str (o, "server_ip", r->server_ip);
      json_key (o, "server_port");
      g_string_append_printf (o, "%u", r->server_port);
      json_str (o, "host", r->host);
      json_str (o, "path", r->path);
      json_ts (o, "start_ts", r->start_us);
      json_ts (o, "end_ts", r->end_us);
      json_key (o, "close_code");
      if (r->close_code >= 0)
        g_string_append_printf (o, "%d", r->close_code);
      else
        g_string_append (o, "null");
      json_str (o, "close_reason", r->close_reason);
      json_str (o, "cause", r->cause_id);
      json_str (o, "summary", r->cause_summary);
      json_str (o, "fix", r->cause_fix);
      json_str (o, "confidence", r->cause_confidence);
      json_key (o, "score");
      g_string_append_printf (o, "%d", ws_report_rec_score (r));
      g_string_append_c (o, '}');
    }
  g_string_append_c (o, ']');
  json_key (o, "compare");
  if (!cmp)
    g_string_append (o, "null");
  else
    {
      g_string_append_c (o, '{');
      json_str (o, "previous", cmp->prev_label);
      json_key (o, "runs_averaged");
      g_string_append_printf (o, "%d", cmp->n_prev);
      json_key (o, "changes");
      g_string_append_c (o, '[');
      for (guint i = 0; i < cmp->deltas->len; i++)
        {
          const ws_history_delta *d = g_ptr_array_index (cmp->deltas, i);
          if (i)
            g_string_append_c (o, ',');
          g_string_append_c (o, '{');
          json_str (o, "dim", d->dim);
          json_str (o, "key", d->key);
          g_string_append_printf (o, ",\"now\":%" PRId64 ",\"previous\":%" PRId64
                                  ",\"average\":%.2f,\"new\":%s}",
                                  d->now, d->prev, d->avg, d->is_new ? "true" : "false");
        }
      g_string_append (o, "]}");
    }
  g_string_append (o, "}\n");
}

/* ---- main ---------------------------------------------------------------------------- */

static char *
default_label (const ws_report *rp)
{
  GDateTime *dt = rp->first_us
    ? g_date_time_new_from_unix_local (floor_div (rp->first_us, G_USEC_PER_SEC))
    : g_date_time_new_now_local ();
  if (!dt)
    return g_strdup ("unknown");
  char *s = g_date_time_format (dt, "%Y-%m-%d");
  g_date_time_unref (dt);
  return s ? s : g_strdup ("unknown");
}

static char *
inputs_json (char **inputs)
{
  GString *o = g_string_new ("[");
  for (char **in = inputs; *in; in++)
    {
      if (in != inputs)
        g_string_append_c (o, ',');
      ws_json_string (o, *in, strlen (*in));
    }
  g_string_append_c (o, ']');
  return g_string_free (o, FALSE);
}

int
ws_report_main (int argc, char **argv)
{
  g_autofree char *opt_html = NULL, *opt_db = NULL, *opt_label = NULL, *opt_format = NULL;
  gboolean opt_history = FALSE, opt_inflate = FALSE;
  g_auto (GStrv) inputs = NULL;
  GOptionEntry entries[] = {
    { "html", 0, 0, G_OPTION_ARG_FILENAME, &opt_html,
      "Also write the report as one self-contained HTML page", "FILE" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &opt_db,
      "Keep history in this SQLite file and compare with earlier runs", "FILE" },
    { "history", 0, 0, G_OPTION_ARG_NONE, &opt_history,
      "Keep history in the default file ($XDG_STATE_HOME/wsclosed/history.db)", NULL },
    { "label", 0, 0, G_OPTION_ARG_STRING, &opt_label,
      "Name of this run in the history (default: local date of the first connection, "
      "YYYY-MM-DD); a run with the same label is replaced", "NAME" },
    { "format", 'F', 0, G_OPTION_ARG_STRING, &opt_format,
      "Summary on standard output: text (default) or json", "FMT" },
    { "inflate", 0, 0, G_OPTION_ARG_NONE, &opt_inflate,
      "Inflate compressed messages in captures read (as wsclosed --inflate)", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &inputs, NULL, "INPUT..." },
    { NULL }
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) ctx = g_option_context_new ("INPUT...");
  g_option_context_set_summary (ctx,
    "Summarise a night of WebSocket closes.  INPUT is a capture file, a directory\n"
    "(its captures, including rotated ones like x.pcap0 or x.pcap.1, are read\n"
    "together in time order as one capture) or a JSON Lines file written by\n"
    "'wsclosed -F json' or the daemon.");
  g_option_context_set_description (ctx,
    "Examples:\n"
    "  wsclosed report /var/lib/wsclosed/captures/2026-11-23/\n"
    "  wsclosed report --html night.html --db history.db night-*.jsonl\n\n"
    "Exit status: 0 success, 1 usage error, 2 some input could not be read\n"
    "(the report covers the rest), 3 the HTML or the history could not be written.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("wsclosed report: %s\nTry 'wsclosed report --help'.\n", error->message);
      return EXIT_USAGE;
    }
  bool json_out = false;
  if (opt_format)
    {
      if (g_ascii_strcasecmp (opt_format, "json") == 0)
        json_out = true;
      else if (g_ascii_strcasecmp (opt_format, "text") != 0)
        {
          g_printerr ("wsclosed report: unknown format \"%s\" (text, json)\n", opt_format);
          return EXIT_USAGE;
        }
    }
  if (!inputs || !inputs[0])
    {
      g_printerr ("wsclosed report: nothing to read: give captures, directories or JSON Lines files\n"
                  "Try 'wsclosed report --help'.\n");
      return EXIT_USAGE;
    }
  if (opt_history && !opt_db)
    opt_db = ws_history_default_path ();

  ws_limits_init_defaults (&ws_limits_cfg);
  ws_limits_cfg.inflate = opt_inflate;

  int rc = EXIT_OK;
  g_autoptr (GPtrArray) caps = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) jsonl = g_ptr_array_new_with_free_func (g_free);
  if (collect_inputs (inputs, caps, jsonl))
    rc = EXIT_INPUT;

  progress pg = { 0 };
  pg.on = isatty (STDERR_FILENO);
  pg.t0 = g_get_monotonic_time ();
  pg.files_total = caps->len + jsonl->len;
  for (guint i = 0; i < caps->len; i++)
    pg.bytes_total += file_size (g_ptr_array_index (caps, i));
  for (guint i = 0; i < jsonl->len; i++)
    pg.bytes_total += file_size (g_ptr_array_index (jsonl, i));

  g_autoptr (ws_report) rp = ws_report_new ();
  sink s = { 0 };
  s.rp = rp;
  s.parser = json_parser_new_immutable ();
  s.line = g_string_new (NULL);
  s.pg = &pg;

  ws_history *hist = NULL;
  if (opt_db)
    {
      g_autofree char *ij = inputs_json (inputs);
      hist = ws_history_open (opt_db, &error);
      if (!hist || !ws_history_begin (hist, ij, &error))
        {
          g_printerr ("wsclosed report: history: %s\n", error->message);
          g_clear_error (&error);
          ws_history_close (hist);
          hist = NULL;
          rc = EXIT_OUTPUT;
        }
      s.hist = hist;
    }

  progress_show (&pg, true);
  if (caps->len && read_captures (&s, caps, caps->len == 1 ? g_ptr_array_index (caps, 0)
                                                           : "captures"))
    rc = MAX (rc, EXIT_INPUT);
  for (guint i = 0; i < jsonl->len; i++)
    if (!read_jsonl (&s, g_ptr_array_index (jsonl, i)))
      rc = MAX (rc, EXIT_INPUT);
  progress_show (&pg, true);
  progress_end (&pg);

  g_autofree char *label = opt_label ? g_strdup (opt_label) : default_label (rp);
  g_autoptr (ws_history_cmp) cmp = NULL;
  if (hist)
    {
      if (s.hist_error)
        {
          g_printerr ("wsclosed report: history: %s\n", s.hist_error->message);
          ws_history_abort (hist);
          rc = EXIT_OUTPUT;
        }
      else if (!ws_history_end (hist, label, rp, &error) ||
               !(cmp = ws_history_compare (hist, label, &error)))
        {
          g_printerr ("wsclosed report: history: %s\n", error->message);
          g_clear_error (&error);
          rc = EXIT_OUTPUT;
        }
      ws_history_close (hist);
    }

  GString *o = g_string_new (NULL);
  if (json_out)
    json_summary (o, rp, label, cmp);
  else
    text_summary (o, rp, label, cmp);
  fwrite (o->str, 1, o->len, stdout);
  g_string_free (o, TRUE);
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      g_printerr ("wsclosed report: standard output: write error\n");
      rc = EXIT_OUTPUT;
    }

  if (opt_html && !ws_html_write (opt_html, rp, label, cmp, &error))
    {
      g_printerr ("wsclosed report: %s\n", error->message);
      g_clear_error (&error);
      rc = EXIT_OUTPUT;
    }

  if (s.bad_lines)
    g_printerr ("wsclosed report: %" PRIu64 " line%s skipped (not JSON records)\n", s.bad_lines,
                s.bad_lines == 1 ? "" : "s");
  g_clear_error (&s.hist_error);
  g_object_unref (s.parser);
  g_string_free (s.line, TRUE);
  return rc;
}
