/* history.c - the report history in SQLite (schema: doc/report-schema.md).
 *
 * A run is written in one transaction: a row in runs under a placeholder
 * label, its records as they are read, then at the end the summary rows, the
 * totals and the real label, after deleting any earlier run with that label.
 * So a re-run of the same night replaces it, and a run that fails half way
 * leaves the history as it was.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <math.h>
#include <string.h>

#include <sqlite3.h>

#include "history.h"
#include "output.h"

struct ws_history {
  sqlite3 *db;
  char *path;
  sqlite3_stmt *ins_record;
  int64_t run_id;             /* 0: no run open */
};

static const char schema_v1[] =
  "CREATE TABLE schema_version (version INTEGER NOT NULL);"
  "CREATE TABLE runs ("
  "  id INTEGER PRIMARY KEY,"
  "  label TEXT NOT NULL UNIQUE,"
  "  started TEXT NOT NULL,"
  "  inputs TEXT NOT NULL,"
  "  first_us INTEGER,"
  "  last_us INTEGER,"
  "  connections INTEGER NOT NULL DEFAULT 0,"
  "  abnormal INTEGER NOT NULL DEFAULT 0,"
  "  handshake_failures INTEGER NOT NULL DEFAULT 0,"
  "  still_open INTEGER NOT NULL DEFAULT 0,"
  "  tool_version TEXT NOT NULL);"
  "CREATE TABLE records ("
  "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
  "  client_ip TEXT, client_port INTEGER, server_ip TEXT, server_port INTEGER,"
  "  host TEXT, path TEXT,"
  "  start_us INTEGER, end_us INTEGER,"
  "  handshake_status INTEGER, handshake_failed INTEGER NOT NULL,"
  "  close_code INTEGER, close_reason TEXT, close_initiator TEXT,"
  "  tcp_end TEXT NOT NULL, tcp_end_by TEXT,"
  "  cause_id TEXT, cause_detail TEXT, cause_summary TEXT, cause_fix TEXT,"
  "  cause_confidence TEXT, evidence TEXT NOT NULL,"
  "  idle_us INTEGER,"
  "  abnormal INTEGER NOT NULL);"
  "CREATE INDEX records_run ON records(run_id);"
  "CREATE TABLE summary ("
  "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
  "  dim TEXT NOT NULL CHECK (dim IN ('code', 'cause', 'server')),"
  "  key TEXT NOT NULL,"
  "  count INTEGER NOT NULL,"
  "  abnormal INTEGER NOT NULL,"
  "  PRIMARY KEY (run_id, dim, key));"
  "INSERT INTO schema_version (version) VALUES (1);";

#define PENDING_LABEL "\001in progress"

static gboolean
db_fail (ws_history *h, GError **error, const char *what)
{
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s: %s", h->path, what,
               sqlite3_errmsg (h->db));
  return FALSE;
}

static gboolean
exec (ws_history *h, const char *sql, GError **error)
{
  char *msg = NULL;
  if (sqlite3_exec (h->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s", h->path,
                   msg ? msg : sqlite3_errmsg (h->db));
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

char *
ws_history_default_path (void)
{
  const char *state = g_getenv ("XDG_STATE_HOME");
  if (state && g_path_is_absolute (state))
    return g_build_filename (state, "wsclosed", "history.db", NULL);
  return g_build_filename (g_get_home_dir (), ".local", "state", "wsclosed", "history.db", NULL);
}

void
ws_history_close (ws_history *h)
{
  if (!h)
    return;
  if (h->run_id)
    ws_history_abort (h);
  sqlite3_finalize (h->ins_record);
  sqlite3_close (h->db);
  g_free (h->path);
  g_free (h);
}

/* Create the schema in an empty file, or check the version of an existing one. */
static gboolean
check_schema (ws_history *h, GError **error)
{
  sqlite3_stmt *st = NULL;
  int have = 0;
  if (sqlite3_prepare_v2 (h->db,
        "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='schema_version'",
        -1, &st, NULL) != SQLITE_OK)
    return db_fail (h, error, "cannot read the schema");
  if (sqlite3_step (st) == SQLITE_ROW)
    have = sqlite3_column_int (st, 0);
  sqlite3_finalize (st);
  if (!have)
    {
      if (!exec (h, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!exec (h, schema_v1, error))
        {
          exec (h, "ROLLBACK", NULL);
          return FALSE;
        }
      return exec (h, "COMMIT", error);
    }
  int version = -1;
  if (sqlite3_prepare_v2 (h->db, "SELECT max(version) FROM schema_version", -1, &st, NULL)
      != SQLITE_OK)
    return db_fail (h, error, "cannot read the schema version");
  if (sqlite3_step (st) == SQLITE_ROW && sqlite3_column_type (st, 0) != SQLITE_NULL)
    version = sqlite3_column_int (st, 0);
  sqlite3_finalize (st);
  if (version != WS_HISTORY_SCHEMA_VERSION)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "%s: history schema version %d, this wsclosed knows version %d",
                   h->path, version, WS_HISTORY_SCHEMA_VERSION);
      return FALSE;
    }
  return TRUE;
}

ws_history *
ws_history_open (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: cannot create directory: %s",
                   dir, g_strerror (errno));
      return NULL;
    }
  ws_history *h = g_new0 (ws_history, 1);
  h->path = g_strdup (path);
  if (sqlite3_open_v2 (path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
      != SQLITE_OK)
    {
      db_fail (h, error, "cannot open");
      ws_history_close (h);
      return NULL;
    }
  sqlite3_busy_timeout (h->db, 30000);
  if (!exec (h, "PRAGMA foreign_keys = ON", error) || !check_schema (h, error))
    {
      ws_history_close (h);
      return NULL;
    }
  if (sqlite3_prepare_v2 (h->db,
        "INSERT INTO records (run_id, client_ip, client_port, server_ip, server_port,"
        " host, path, start_us, end_us, handshake_status, handshake_failed, close_code,"
        " close_reason, close_initiator, tcp_end, tcp_end_by, cause_id, cause_detail,"
        " cause_summary, cause_fix, cause_confidence, evidence, idle_us, abnormal)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
        " ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)",
        -1, &h->ins_record, NULL) != SQLITE_OK)
    {
      db_fail (h, error, "cannot prepare");
      ws_history_close (h);
      return NULL;
    }
  return h;
}

gboolean
ws_history_begin (ws_history *h, const char *inputs_json, GError **error)
{
  if (!exec (h, "BEGIN IMMEDIATE", error))
    return FALSE;
  GDateTime *now = g_date_time_new_now_utc ();
  g_autofree char *started = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  g_date_time_unref (now);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (h->db,
        "INSERT INTO runs (label, started, inputs, tool_version) VALUES (?1, ?2, ?3, ?4)",
        -1, &st, NULL) != SQLITE_OK)
    {
      db_fail (h, error, "cannot start a run");
      exec (h, "ROLLBACK", NULL);
      return FALSE;
    }
  sqlite3_bind_text (st, 1, PENDING_LABEL, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, started, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 3, inputs_json, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 4, PACKAGE_VERSION, -1, SQLITE_STATIC);
  int rc = sqlite3_step (st);
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    {
      db_fail (h, error, "cannot start a run");
      exec (h, "ROLLBACK", NULL);
      return FALSE;
    }
  h->run_id = sqlite3_last_insert_rowid (h->db);
  return TRUE;
}

static void
bind_str (sqlite3_stmt *st, int i, const char *s)
{
  if (s)
    sqlite3_bind_text (st, i, s, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (st, i);
}

static void
bind_i64_or_null (sqlite3_stmt *st, int i, int64_t v, bool null)
{
  if (null)
    sqlite3_bind_null (st, i);
  else
    sqlite3_bind_int64 (st, i, v);
}

gboolean
ws_history_add (ws_history *h, const ws_report_rec *r, GError **error)
{
  if (r->kind_tls)
    return TRUE;              /* not a WebSocket connection: not in the history */
  sqlite3_stmt *st = h->ins_record;
  if (!h->run_id)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: no run open", h->path);
      return FALSE;
    }
  GString *ev = g_string_new ("[");
  for (guint i = 0; i < r->evidence->len; i++)
    {
      const ws_report_evidence *e = g_ptr_array_index (r->evidence, i);
      g_string_append (ev, i ? ",{\"ts\":" : "{\"ts\":");
      if (e->ts_us)
        ws_ts_append (ev, e->ts_us);
      else
        g_string_append (ev, "null");
      g_string_append (ev, ",\"text\":");
      ws_json_string (ev, e->text, strlen (e->text));
      g_string_append_c (ev, '}');
    }
  g_string_append_c (ev, ']');

  sqlite3_reset (st);
  sqlite3_clear_bindings (st);
  sqlite3_bind_int64 (st, 1, h->run_id);
  bind_str (st, 2, r->client_ip);
  sqlite3_bind_int (st, 3, (int) r->client_port);
  bind_str (st, 4, r->server_ip);
  sqlite3_bind_int (st, 5, (int) r->server_port);
  bind_str (st, 6, r->host);
  bind_str (st, 7, r->path);
  bind_i64_or_null (st, 8, r->start_us, r->start_us == 0);
  bind_i64_or_null (st, 9, r->end_us, r->end_us == 0);
  bind_i64_or_null (st, 10, r->handshake_status, r->handshake_status < 0);
  sqlite3_bind_int (st, 11, r->handshake_failed);
  bind_i64_or_null (st, 12, r->close_code, r->close_code < 0);
  bind_str (st, 13, r->close_reason);
  bind_str (st, 14, ws_side_name (r->close_initiator));
  bind_str (st, 15, ws_tcp_end_name (r->tcp_end));
  bind_str (st, 16, ws_side_name (r->tcp_end_by));
  bind_str (st, 17, r->cause_id);
  bind_str (st, 18, r->cause_detail);
  bind_str (st, 19, r->cause_summary);
  bind_str (st, 20, r->cause_fix);
  bind_str (st, 21, r->cause_confidence);
  sqlite3_bind_text (st, 22, ev->str, (int) ev->len, SQLITE_TRANSIENT);
  bind_i64_or_null (st, 23, r->idle_us, r->idle_us < 0);
  sqlite3_bind_int (st, 24, ws_report_rec_abnormal (r));
  g_string_free (ev, TRUE);
  int rc = sqlite3_step (st);
  sqlite3_reset (st);
  if (rc != SQLITE_DONE)
    return db_fail (h, error, "cannot store a record");
  return TRUE;
}

static gboolean
store_summary (ws_history *h, sqlite3_stmt *st, const char *dim, GHashTable *t, GError **error)
{
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, t);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      const ws_report_count *c = v;
      sqlite3_reset (st);
      sqlite3_bind_int64 (st, 1, h->run_id);
      sqlite3_bind_text (st, 2, dim, -1, SQLITE_STATIC);
      sqlite3_bind_text (st, 3, k, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (st, 4, (sqlite3_int64) c->count);
      sqlite3_bind_int64 (st, 5, (sqlite3_int64) c->abnormal);
      if (sqlite3_step (st) != SQLITE_DONE)
        return db_fail (h, error, "cannot store the summary");
    }
  return TRUE;
}

static gboolean
run_sql (ws_history *h, const char *sql, GError **error, const char *what, ...)
{
  /* statements with at most one text parameter and one integer parameter */
  va_list ap;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (h->db, sql, -1, &st, NULL) != SQLITE_OK)
    return db_fail (h, error, what);
  va_start (ap, what);
  const char *text = va_arg (ap, const char *);
  int64_t num = va_arg (ap, int64_t);
  va_end (ap);
  if (sqlite3_bind_parameter_count (st) >= 1)
    sqlite3_bind_text (st, 1, text, -1, SQLITE_TRANSIENT);
  if (sqlite3_bind_parameter_count (st) >= 2)
    sqlite3_bind_int64 (st, 2, num);
  int rc = sqlite3_step (st);
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    return db_fail (h, error, what);
  return TRUE;
}

gboolean
ws_history_end (ws_history *h, const char *label, const ws_report *rp, GError **error)
{
  sqlite3_stmt *st = NULL;
  if (!h->run_id)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: no run open", h->path);
      return FALSE;
    }
  /* the earlier run with this label goes (records and summary by cascade) */
  if (!run_sql (h, "DELETE FROM runs WHERE label = ?1 AND id <> ?2", error,
                "cannot replace the earlier run", label, h->run_id))
    goto fail;
  if (sqlite3_prepare_v2 (h->db,
        "UPDATE runs SET label = ?1, first_us = ?2, last_us = ?3, connections = ?4,"
        " abnormal = ?5, handshake_failures = ?6, still_open = ?7 WHERE id = ?8",
        -1, &st, NULL) != SQLITE_OK)
    {
      db_fail (h, error, "cannot finish the run");
      goto fail;
    }
  sqlite3_bind_text (st, 1, label, -1, SQLITE_TRANSIENT);
  bind_i64_or_null (st, 2, rp->first_us, rp->first_us == 0);
  bind_i64_or_null (st, 3, rp->last_us, rp->last_us == 0);
  sqlite3_bind_int64 (st, 4, (sqlite3_int64) rp->connections);
  sqlite3_bind_int64 (st, 5, (sqlite3_int64) rp->abnormal);
  sqlite3_bind_int64 (st, 6, (sqlite3_int64) rp->handshake_failures);
  sqlite3_bind_int64 (st, 7, (sqlite3_int64) rp->still_open);
  sqlite3_bind_int64 (st, 8, h->run_id);
  int rc = sqlite3_step (st);
  sqlite3_finalize (st);
  st = NULL;
  if (rc != SQLITE_DONE)
    {
      db_fail (h, error, "cannot finish the run");
      goto fail;
    }
  if (sqlite3_prepare_v2 (h->db,
        "INSERT INTO summary (run_id, dim, key, count, abnormal) VALUES (?1, ?2, ?3, ?4, ?5)",
        -1, &st, NULL) != SQLITE_OK)
    {
      db_fail (h, error, "cannot store the summary");
      goto fail;
    }
  gboolean ok = store_summary (h, st, "code", rp->by_code, error) &&
                store_summary (h, st, "cause", rp->by_cause, error) &&
                store_summary (h, st, "server", rp->by_server, error);
  sqlite3_finalize (st);
  if (!ok || !exec (h, "COMMIT", error))
    goto fail;
  h->run_id = 0;
  return TRUE;

fail:
  ws_history_abort (h);
  return FALSE;
}

void
ws_history_abort (ws_history *h)
{
  if (h->run_id)
    exec (h, "ROLLBACK", NULL);
  h->run_id = 0;
}

/* ---- comparison ------------------------------------------------------------------ */

typedef struct {
  const char *dim;
  char *key;
  int64_t now, prev, sum;
  int seen;                   /* in how many previous runs */
} tally;

static void
tally_free (gpointer p)
{
  tally *t = p;
  g_free (t->key);
  g_free (t);
}

static tally *
tally_get (GHashTable *h, const char *dim, const char *key)
{
  g_autofree char *k = g_strdup_printf ("%s\037%s", dim, key);
  tally *t = g_hash_table_lookup (h, k);
  if (!t)
    {
      t = g_new0 (tally, 1);
      t->dim = dim;
      t->key = g_strdup (key);
      g_hash_table_insert (h, g_steal_pointer (&k), t);
    }
  return t;
}

/* which: 0 this run, 1 the previous one, 2.. older runs in the average */
static void
tally_count (tally *x, int which, int64_t v)
{
  if (which == 0)
    x->now = v;
  else
    {
      if (which == 1)
        x->prev = v;
      x->sum += v;
      x->seen++;
    }
}

/* which: 0 the run itself, 1 the previous run, 2 an older one */
static gboolean
tally_run (ws_history *h, GHashTable *t, int64_t run_id, int which, GError **error)
{
  static const char *const dims[] = { "total", "abnormal", "handshake_failures" };
  sqlite3_stmt *st = NULL;

  if (sqlite3_prepare_v2 (h->db,
        "SELECT connections, abnormal, handshake_failures FROM runs WHERE id = ?1",
        -1, &st, NULL) != SQLITE_OK)
    return db_fail (h, error, "cannot read runs");
  sqlite3_bind_int64 (st, 1, run_id);
  if (sqlite3_step (st) == SQLITE_ROW)
    for (int i = 0; i < 3; i++)
      {
        tally *x = tally_get (t, dims[i], "");
        int64_t v = sqlite3_column_int64 (st, i);
        tally_count (x, which, v);
      }
  sqlite3_finalize (st);

  /* codes and causes by count, servers by abnormal closes */
  if (sqlite3_prepare_v2 (h->db,
        "SELECT dim, key, CASE dim WHEN 'server' THEN abnormal ELSE count END"
        " FROM summary WHERE run_id = ?1", -1, &st, NULL) != SQLITE_OK)
    return db_fail (h, error, "cannot read the summary");
  sqlite3_bind_int64 (st, 1, run_id);
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      const char *dim = (const char *) sqlite3_column_text (st, 0);
      const char *key = (const char *) sqlite3_column_text (st, 1);
      int64_t v = sqlite3_column_int64 (st, 2);
      const char *d = g_strcmp0 (dim, "code") == 0 ? "code"
                    : g_strcmp0 (dim, "cause") == 0 ? "cause"
                    : g_strcmp0 (dim, "server") == 0 ? "server" : NULL;
      if (!d || !key || v == 0)
        continue;
      tally *x = tally_get (t, d, key);
      tally_count (x, which, v);
    }
  sqlite3_finalize (st);
  return TRUE;
}

static gint
delta_cmp (gconstpointer a, gconstpointer b)
{
  const ws_history_delta *x = *(ws_history_delta *const *) a;
  const ws_history_delta *y = *(ws_history_delta *const *) b;
  if (x->is_new != y->is_new)
    return x->is_new ? -1 : 1;
  int64_t dx = llabs (x->now - x->prev), dy = llabs (y->now - y->prev);
  if (dx != dy)
    return dx > dy ? -1 : 1;
  int c = strcmp (x->dim, y->dim);
  return c ? c : strcmp (x->key, y->key);
}

ws_history_cmp *
ws_history_compare (ws_history *h, const char *label, GError **error)
{
  g_autoptr (ws_history_cmp) cmp = ws_history_cmp_new (label);
  g_autoptr (GHashTable) t = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, tally_free);
  sqlite3_stmt *st = NULL;
  int64_t run_id = 0;

  if (sqlite3_prepare_v2 (h->db, "SELECT id FROM runs WHERE label = ?1", -1, &st, NULL)
      != SQLITE_OK)
    {
      db_fail (h, error, "cannot read runs");
      return NULL;
    }
  sqlite3_bind_text (st, 1, label, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (st) == SQLITE_ROW)
    run_id = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  if (!run_id)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: no run labelled %s", h->path,
                   label);
      return NULL;
    }
  if (!tally_run (h, t, run_id, 0, error))
    return NULL;

  if (sqlite3_prepare_v2 (h->db,
        "SELECT id, label FROM runs WHERE label < ?1 AND label <> ?2"
        " ORDER BY label DESC LIMIT ?3", -1, &st, NULL) != SQLITE_OK)
    {
      db_fail (h, error, "cannot read runs");
      return NULL;
    }
  sqlite3_bind_text (st, 1, label, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 2, PENDING_LABEL, -1, SQLITE_STATIC);
  sqlite3_bind_int (st, 3, WS_HISTORY_AVG_RUNS);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (int64_t));
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      int64_t id = sqlite3_column_int64 (st, 0);
      g_array_append_val (ids, id);
      if (!cmp->prev_label)
        cmp->prev_label = g_strdup ((const char *) sqlite3_column_text (st, 1));
    }
  sqlite3_finalize (st);
  cmp->n_prev = (int) ids->len;
  for (guint i = 0; i < ids->len; i++)
    if (!tally_run (h, t, g_array_index (ids, int64_t, i), i == 0 ? 1 : 2, error))
      {
        g_array_unref (ids);
        return NULL;
      }
  g_array_unref (ids);

  if (cmp->n_prev > 0)
    {
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, t);
      while (g_hash_table_iter_next (&it, &k, &v))
        {
          tally *x = v;
          bool totals = x->key[0] == '\0';
          bool is_new = !totals && x->now > 0 && x->seen == 0;
          if (x->now == x->prev && !is_new)
            continue;
          ws_history_delta *d = ws_history_cmp_add (cmp, x->dim, x->key);
          d->now = x->now;
          d->prev = x->prev;
          d->avg = (double) x->sum / cmp->n_prev;
          d->is_new = is_new;
        }
      g_ptr_array_sort (cmp->deltas, delta_cmp);
      tally *tot = g_hash_table_lookup (t, "total\037");
      if (tot)
        {
          cmp->conns_now = tot->now;
          cmp->conns_prev = tot->prev;
          cmp->conns_avg = (double) tot->sum / cmp->n_prev;
        }
    }
  return g_steal_pointer (&cmp);
}
