/* report-model.c - the report's data: records, their ranking, the night's
 * tallies, comparison rows.  See report-model.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "report-model.h"
#include "causeinfo.h"
#include "closecodes.h"
#include "i18n.h"
#include "utf8.h"

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
      uint32_t cp;
      size_t n = ws_utf8_decode ((const uint8_t *) s + i, len - i, &cp);
      if (n == 0)
        {
          g_string_append (o, "\xEF\xBF\xBD");
          i++;
          continue;
        }
      g_string_append_len (o, s + i, (gssize) n);
      i += n;
    }
  return g_string_free (o, FALSE);
}

char *
ws_report_utf8_dup0 (const char *s)
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
  g_free (r->tls_sni);
  g_free (r->tls_reason);
  g_ptr_array_unref (r->evidence);
  g_free (r);
}

void
ws_report_rec_add_evidence (ws_report_rec *r, int64_t ts_us, const char *text)
{
  ws_report_evidence *e = g_new0 (ws_report_evidence, 1);
  e->ts_us = ts_us;
  e->text = text ? ws_report_utf8_dup0 (text) : g_strdup ("");
  g_ptr_array_add (r->evidence, e);
}

int64_t
ws_report_idle_of (int64_t end_us, int64_t last_frame_us, int64_t response_us)
{
  int64_t lf = last_frame_us ? last_frame_us : response_us;
  return end_us && lf && end_us >= lf ? end_us - lf : -1;
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
      a->idle_us != b->idle_us || a->kind_tls != b->kind_tls || a->tls != b->tls ||
      a->tls_decrypted != b->tls_decrypted || g_strcmp0 (a->tls_sni, b->tls_sni) ||
      g_strcmp0 (a->tls_reason, b->tls_reason) || a->evidence->len != b->evidence->len)
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
  if (r->kind_tls)
    return false;
  if (r->handshake_failed)
    return true;
  return r->close_code >= 0 && r->close_code != 1000 && r->close_code != 1001 &&
         r->close_code != 1005;
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

char *
ws_report_endpoint (const char *ip, unsigned port)
{
  if (ip && strchr (ip, ':'))
    return g_strdup_printf ("[%s]:%u", ip, port);
  return g_strdup_printf ("%s:%u", ip ? ip : "?", port);
}

/* ---- the night ------------------------------------------------------------------- */


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

/* Narrow bins around each timeout: 28-32 s is "30 s", and so on; 55 and 60
 * are 5 s apart, so their bins meet at 57.5. */
const double ws_report_lb_edges[WS_REPORT_LB_BINS - 1] = {
  28, 32, 53, 57.5, 63, 95, 105, 115, 125, 290, 310
};

int
ws_report_lb_timeout (int bin)
{
  static const int t[WS_REPORT_LB_BINS] = { 0, 30, 0, 55, 60, 0, 100, 0, 120, 0, 300, 0 };
  return bin >= 0 && bin < WS_REPORT_LB_BINS ? t[bin] : 0;
}

char *
ws_report_route (const char *path)
{
  if (!path)
    return NULL;
  return g_strndup (path, strcspn (path, "?#"));
}

static void
tls_free (gpointer p)
{
  ws_report_tls *t = p;
  g_free (t->sni);
  g_free (t->server);
  g_free (t);
}

static void
storm_free (gpointer p)
{
  ws_report_storm *s = p;
  g_free (s->server);
  g_hash_table_unref (s->codes);
  g_free (s);
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
  rp->by_route = count_table ();
  rp->hs_fail = count_table ();
  rp->minutes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, hour_free);
  rp->tls_by_server = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, tls_free);
  rp->tls_reasons = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  rp->storms = g_ptr_array_new_with_free_func (storm_free);
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
  g_hash_table_unref (rp->by_route);
  g_hash_table_unref (rp->hs_fail);
  g_hash_table_unref (rp->minutes);
  g_hash_table_unref (rp->tls_by_server);
  g_hash_table_unref (rp->tls_reasons);
  g_ptr_array_unref (rp->storms);
  g_ptr_array_unref (rp->top);
  g_free (rp);
}

int64_t
ws_report_floor_div (int64_t a, int64_t b)
{
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Seconds of a timestamp on the local clock (its UTC offset added). */
static int64_t
local_seconds (int64_t ts_us)
{
  int64_t sec = ws_report_floor_div (ts_us, G_USEC_PER_SEC);
  GDateTime *dt = g_date_time_new_from_unix_local (sec);
  int64_t off = 0;
  if (dt)
    {
      off = g_date_time_get_utc_offset (dt) / G_USEC_PER_SEC;
      g_date_time_unref (dt);
    }
  return sec + off;
}

int64_t
ws_report_local_hour (int64_t ts_us)
{
  return ws_report_floor_div (local_seconds (ts_us), 3600);
}

int64_t
ws_report_local_minute (int64_t ts_us)
{
  return ws_report_floor_div (local_seconds (ts_us), 60);
}

int64_t
ws_report_seconds (int64_t ts_us)
{
  return ws_report_floor_div (ts_us, G_USEC_PER_SEC);
}

/* ---- sorted tallies ---------------------------------------------------------------- */

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

/* ---- comparison rows ------------------------------------------------------------- */

static void
delta_free (gpointer p)
{
  ws_history_delta *d = p;
  g_free (d->key);
  g_free (d);
}

ws_history_cmp *
ws_history_cmp_new (const char *label)
{
  ws_history_cmp *c = g_new0 (ws_history_cmp, 1);
  c->label = g_strdup (label);
  c->deltas = g_ptr_array_new_with_free_func (delta_free);
  c->conns_now = -1;
  c->conns_prev = -1;
  return c;
}

ws_history_delta *
ws_history_cmp_add (ws_history_cmp *c, const char *dim, const char *key)
{
  ws_history_delta *d = g_new0 (ws_history_delta, 1);
  d->dim = dim;
  d->key = g_strdup (key);
  g_ptr_array_add (c->deltas, d);
  return d;
}

void
ws_history_cmp_free (ws_history_cmp *c)
{
  if (!c)
    return;
  g_free (c->label);
  g_free (c->prev_label);
  g_ptr_array_unref (c->deltas);
  g_free (c);
}

/* Is s, a sentence of a stored record, English where the reader's
 * language is not?  Stored records are English unless written with
 * --lang; one in the reader's language has its script's letters (Arabic)
 * or its accented letters and no English function word (Portuguese). */
static bool
stored_english (const char *s)
{
  bool rtl = ws_i18n_rtl (), accented = false;
  for (const char *p = s; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (rtl && c >= 0x0600 && c <= 0x06FF)
        return false;
      if (c >= 0x00C0 && c <= 0x017F)
        accented = true;
    }
  if (rtl)
    return true;
  static const char *const words[] = { " the ", " of the ", " to ", " and ", " was ",
                                       " with ", " from ", " before ", " after " };
  g_autofree char *padded = g_strconcat (" ", s, " ", NULL);
  for (size_t i = 0; i < G_N_ELEMENTS (words); i++)
    if (strstr (padded, words[i]))
      return true;
  return !accented;
}

/* The knowledge base's entry for the cause's detail, when the detail names
 * one: a subprotocol's code ("graphql-transport-ws-4400") or an HTTP
 * status of a refused handshake ("http_403"). */
static const ws_code_info *
detail_info (const ws_report_rec *r)
{
  const char *d = r->cause_detail;
  if (!d)
    return NULL;
  if (g_strcmp0 (r->cause_id, "subprotocol_code") == 0)
    {
      const ws_subproto_code *all;
      size_t n = ws_code_subproto_all (&all);
      for (size_t i = 0; i < n; i++)
        if (all[i].info.key && strcmp (all[i].info.key, d) == 0)
          return &all[i].info;
    }
  if (g_str_has_prefix (d, "http_") && g_ascii_isdigit (d[5]))
    return ws_code_lookup_key (ws_code_handshake_key (atoi (d + 5)));
  return NULL;
}

static const char *
rec_text (const ws_report_rec *r, const char *stored, bool fix)
{
  if (!stored || !ws_i18n_translating || !stored_english (stored))
    return stored;
  const char *t = ws_tr (stored);
  if (t != stored && strcmp (t, stored) != 0)
    return t;
  /* by detail, the more specific; then by cause id */
  const ws_code_info *di = detail_info (r);
  const char *kb = di ? (fix ? di->fix : di->meaning) : NULL;
  const ws_cause_info *ci = r->cause_id ? ws_cause_info_lookup (r->cause_id) : NULL;
  if (!kb && ci)
    kb = fix ? ci->fix : ci->meaning;
  return kb ? _(kb) : stored;
}

const char *
ws_report_rec_summary_text (const ws_report_rec *r)
{
  return rec_text (r, r->cause_summary, false);
}

const char *
ws_report_rec_fix_text (const ws_report_rec *r)
{
  return rec_text (r, r->cause_fix, true);
}
