/* report-jsonl.c - JSON Lines in (`wsclosed -F json`, the daemon, the map
 * step of contrib/report): each line parsed with json-glib into a record
 * exactly as report-agg.c makes one from the connection, so the reduce over
 * per-file JSON Lines gives the report of a single process.  Keys missing
 * or of the wrong type are taken as absent; a line that is not a JSON
 * object, or is longer than MAX_LINE, is skipped and counted.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "report-jsonl.h"

/* A JSON Lines line longer than this is skipped (and counted as bad). */
#define MAX_LINE (16u * 1024 * 1024)

#define dup0 ws_report_utf8_dup0   /* short: used on every key below */

/* ---- one record ------------------------------------------------------------------ */


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
              ws_report_rec_add_evidence (r, jts (eo, "ts"), jstr (eo, "text"));
            }
        }
    }
  JsonObject *stats = jobj (o, "stats");
  int64_t lf = MAX (jts (jobj (stats, "client"), "last_frame_ts"),
                    jts (jobj (stats, "server"), "last_frame_ts"));
  r->idle_us = ws_report_idle_of (r->end_us, lf, jts (o, "response_ts"));
  r->kind_tls = g_strcmp0 (jstr (o, "kind"), "tls") == 0;
  JsonObject *tls = jobj (o, "tls");
  if (tls || r->kind_tls)
    {
      r->tls = true;
      JsonNode *dn = tls ? jmember (tls, "decrypted") : NULL;
      r->tls_decrypted = dn && JSON_NODE_HOLDS_VALUE (dn) &&
                         json_node_get_value_type (dn) == G_TYPE_BOOLEAN &&
                         json_node_get_boolean (dn);
      if (tls)
        {
          r->tls_sni = dup0 (jstr (tls, "sni"));
          r->tls_reason = dup0 (jstr (tls, "not_decrypted_reason"));
        }
    }
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


/* ---- files of lines -------------------------------------------------------------- */

struct ws_report_jsonl {
  ws_report_jsonl_cbs cbs;
  void *user;
  JsonParser *parser;
  GString *line;
  bool overflow;              /* the current line is past MAX_LINE */
  const char *source;
  uint64_t lineno;
  uint64_t bad_lines;
  unsigned warnings;          /* of this source; only the first 5 are shown */
};

ws_report_jsonl *
ws_report_jsonl_new (const ws_report_jsonl_cbs *cbs, void *user)
{
  ws_report_jsonl *j = g_new0 (ws_report_jsonl, 1);
  j->cbs = *cbs;
  j->user = user;
  j->parser = json_parser_new_immutable ();
  j->line = g_string_new (NULL);
  return j;
}

void
ws_report_jsonl_free (ws_report_jsonl *j)
{
  if (!j)
    return;
  g_object_unref (j->parser);
  g_string_free (j->line, TRUE);
  g_free (j);
}

uint64_t
ws_report_jsonl_bad_lines (const ws_report_jsonl *j)
{
  return j->bad_lines;
}

static void
take_line (ws_report_jsonl *j, const char *buf, size_t len)
{
  size_t i = 0;
  j->lineno++;
  while (i < len && g_ascii_isspace (buf[i]))
    i++;
  if (i == len)
    return;
  g_autoptr (GError) e = NULL;
  ws_report_rec *r = rec_parse (j->parser, buf, len, &e);
  if (!r)
    {
      j->bad_lines++;
      if (j->warnings++ < 5)
        g_printerr ("wsclosed report: %s:%" PRIu64 ": not a JSON record: %s\n", j->source,
                    j->lineno, e ? e->message : "?");
      return;
    }
  j->cbs.record (r, j->user);
}

static void
feed (ws_report_jsonl *j, const char *buf, size_t len)
{
  while (len > 0)
    {
      const char *nl = memchr (buf, '\n', len);
      size_t n = nl ? (size_t) (nl - buf) : len;
      if (!j->overflow)
        {
          if (j->line->len + n > MAX_LINE)
            {
              j->overflow = true;
              g_string_truncate (j->line, 0);
            }
          else
            g_string_append_len (j->line, buf, (gssize) n);
        }
      if (!nl)
        return;
      if (j->overflow)
        {
          j->lineno++;
          j->bad_lines++;
          if (j->warnings++ < 5)
            g_printerr ("wsclosed report: %s:%" PRIu64 ": line longer than %u bytes skipped\n",
                        j->source, j->lineno, MAX_LINE);
        }
      else
        take_line (j, j->line->str, j->line->len);
      g_string_truncate (j->line, 0);
      j->overflow = false;
      buf = nl + 1;
      len -= n + 1;
    }
}

bool
ws_report_jsonl_read (ws_report_jsonl *j, const char *path)
{
  FILE *fp = fopen (path, "rb");
  if (!fp)
    {
      g_printerr ("wsclosed report: %s: %s\n", path, g_strerror (errno));
      return false;
    }
  j->source = path;
  j->lineno = 0;
  j->warnings = 0;
  g_string_truncate (j->line, 0);
  j->overflow = false;
  uint64_t bad0 = j->bad_lines;
  char buf[65536];
  size_t n;
  while ((n = fread (buf, 1, sizeof buf, fp)) > 0)
    {
      feed (j, buf, n);
      if (j->cbs.progress)
        j->cbs.progress (n, j->user);
    }
  bool ok = !ferror (fp);
  if (!ok)
    g_printerr ("wsclosed report: %s: read error: %s\n", path, g_strerror (errno));
  fclose (fp);
  /* the last line may lack its newline */
  if (j->line->len || j->overflow)
    feed (j, "\n", 1);
  return ok && j->bad_lines == bad0;
}
