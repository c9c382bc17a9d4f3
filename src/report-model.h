/* report-model.h - the data of `wsclosed report`: one connection as the
 * report sees it, the aggregated night (totals and tallies by code, cause,
 * server, Host, path, hour) and the rows of a comparison with earlier nights.
 *
 *   report-agg (ws_conn -> record -> night)   report-jsonl (line -> record)
 *                        \                       /
 *                         v                     v
 *                     report-model (this: types, ranking, tallies)
 *                        ^           ^             ^
 *                 history (SQLite)  html   report-summary (text, json)
 *
 * Everything above depends on this header and this header on nothing of the
 * report, so the writers and the history never call back into the driver.
 */
#ifndef WS_REPORT_MODEL_H
#define WS_REPORT_MODEL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "conn.h"

/* ---- one connection ---------------------------------------------------------- */

typedef struct {
  int64_t ts_us;              /* 0 when the fact has no moment */
  char *text;                 /* never NULL */
} ws_report_evidence;

/* The contract fields of one connection.  Filled from a diagnosed ws_conn
 * (report-agg.h) or from one JSON Lines record (report-jsonl.h); both give
 * the same struct, so a report merged from the JSON Lines of per-file runs
 * equals the one made in a single process.
 * Strings are owned, valid UTF-8 (bytes that were not become U+FFFD, one per
 * byte, exactly as the JSON writer does), NULL when absent. */
typedef struct {
  char *client_ip, *server_ip;
  unsigned client_port, server_port;
  char *host, *path;
  int64_t start_us, end_us;   /* 0: unknown */
  int handshake_status;       /* -1: null */
  bool handshake_failed;      /* non-101, bad Accept or a bad 101 */
  int close_code;             /* as the contract: -1 null (still open) */
  char *close_reason;
  ws_side close_initiator;    /* WS_SIDE_NONE: no close frame */
  ws_tcp_end tcp_end;
  ws_side tcp_end_by;         /* WS_SIDE_NONE when open */
  char *cause_id, *cause_detail, *cause_summary, *cause_fix, *cause_confidence;
  GPtrArray *evidence;        /* of ws_report_evidence*, never NULL */
  int64_t idle_us;            /* end - last frame (or 101); -1 unknown */
  /* TLS (the record's "tls" object).  kind_tls: a record of kind "tls", a
   * TLS connection whose content was not seen: counted in the TLS section,
   * never as a WebSocket connection. */
  bool kind_tls;
  bool tls;                   /* went through the TLS stage */
  bool tls_decrypted;
  char *tls_sni, *tls_reason; /* reason: not_decrypted_reason */
} ws_report_rec;

ws_report_rec *ws_report_rec_new (void);
void ws_report_rec_free (ws_report_rec *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ws_report_rec, ws_report_rec_free)
/* Append one evidence line; text NULL is taken as "". */
void ws_report_rec_add_evidence (ws_report_rec *r, int64_t ts_us, const char *text);
bool ws_report_rec_equal (const ws_report_rec *a, const ws_report_rec *b);
/* Abnormal: a failed handshake, or a close code other than 1000/1001/1005
 * (1005: a close frame without a code, a choice of the closing side; still
 * open connections are not abnormal either). */
bool ws_report_rec_abnormal (const ws_report_rec *r);
/* How much a connection matters in the ranking (higher first). */
int ws_report_rec_score (const ws_report_rec *r);
/* The cause's summary and fix of r in the reader's language: as stored
 * when the run is not translated or the stored text is already the
 * reader's (a record diagnosed in this run, or written with --lang); else
 * the stored English sentence's translation when the catalog has it
 * whole (a fix without measured values), else the knowledge base's text
 * for the cause's detail (a subprotocol's code, the HTTP status of a
 * refused handshake: closecodes.c) or its id (causeinfo.c): its meaning,
 * its fix, translated; the stored text when neither is known.  NULL when r
 * has none. */
const char *ws_report_rec_summary_text (const ws_report_rec *r);
const char *ws_report_rec_fix_text (const ws_report_rec *r);
/* Total order of the ranking: score, then start time, then endpoints. */
int ws_report_rec_rank_cmp (const ws_report_rec *a, const ws_report_rec *b);
/* Idle time: end - last frame (or the 101 when no frame); -1 unknown. */
int64_t ws_report_idle_of (int64_t end_us, int64_t last_frame_us, int64_t response_us);

/* The code as a key: "1006", or "open" for null. */
void ws_report_code_key (int code, char buf[16]);
/* Valid UTF-8 copy of s[0..len) stopping at a NUL; NULL for NULL. */
char *ws_report_utf8_dup (const char *s, size_t len);
/* The same for a NUL-terminated string. */
char *ws_report_utf8_dup0 (const char *s);
/* "ip:port", "[v6]:port"; "?" for a NULL ip.  g_malloc'd. */
char *ws_report_endpoint (const char *ip, unsigned port);

/* ---- the night ---------------------------------------------------------------- */

typedef struct {
  uint64_t count;             /* connections */
  uint64_t abnormal;
} ws_report_count;

/* One bucket of the closes-over-time charts: one local minute (the page
 * groups minutes into wider buckets as the span needs). */
typedef struct {
  int64_t minute;             /* local minutes since the epoch */
  GHashTable *codes;          /* code key -> uint64_t* */
  GHashTable *causes;         /* cause id -> uint64_t* */
} ws_report_hour;

/* Idle time before 1006 closes: bins bounded by these seconds. */
#define WS_REPORT_IDLE_BINS 10
extern const double ws_report_idle_edges[WS_REPORT_IDLE_BINS - 1];
const char *ws_report_idle_label (int bin);

/* The same idle times in bins around the timeouts that proxies and load
 * balancers ship with (30 s, 55 s, 60 s, 100 s, 120 s, 300 s), for the page:
 * a bin [edge[i-1], edge[i]) with the timeouts in narrow bins of their own. */
#define WS_REPORT_LB_BINS 12
extern const double ws_report_lb_edges[WS_REPORT_LB_BINS - 1];
/* The timeout a bin stands for (seconds), 0 for the bins between them. */
int ws_report_lb_timeout (int bin);

/* TLS connections by SNI and server. */
typedef struct {
  char *sni;                  /* NULL: no SNI */
  char *server;               /* "ip:port" */
  uint64_t count, decrypted;
  uint64_t kind_tls;          /* of count: records of kind tls (content not seen) */
} ws_report_tls;

/* A close storm: connections one server closed in a burst (the records whose
 * diagnosis found the storm), grouped by server and time. */
typedef struct {
  char *server;               /* "ip:port" */
  int64_t first_us, last_us;  /* the closes' end times */
  uint64_t count;
  GHashTable *codes;          /* code key -> uint64_t* */
  bool restart;               /* 1001/1012 or TCP ends without a close: a restart */
} ws_report_storm;

/* Traffic the analyzer looked at and skipped (from its counters; only for
 * captures read in this run). */
typedef struct {
  bool known;                 /* captures were read */
  uint64_t tcp, other_tcp, no_upgrade, midstream, other_upgrades;
  uint64_t tls;               /* TLS connections that got no record */
} ws_report_skipped;

#define WS_REPORT_TOP 25

/* Filled by ws_report_add (report-agg.h); read-only for the writers. */
typedef struct {
  uint64_t connections, abnormal, handshake_failures, still_open;
  uint64_t abnormal_closes;   /* abnormal and not a failed handshake */
  int64_t first_us, last_us;  /* earliest start, latest end; 0 none */
  GHashTable *by_code;        /* code key -> ws_report_count* */
  GHashTable *by_cause;       /* cause id ("none") -> ws_report_count* */
  GHashTable *by_server;      /* "ip:port" -> ws_report_count* */
  GHashTable *by_host;        /* Host ("(none)") -> ws_report_count* */
  GHashTable *by_path;        /* the path as recorded (query values redacted) */
  GHashTable *by_route;       /* the path without query string and fragment */
  GHashTable *hs_fail;        /* "403 Forbidden", "bad accept", ... -> ws_report_count* */
  GHashTable *minutes;        /* int64 local minute -> ws_report_hour* */
  uint64_t idle_bins[WS_REPORT_IDLE_BINS];
  uint64_t idle_lb[WS_REPORT_LB_BINS];
  uint64_t idle_unknown;      /* 1006 closes without a known idle time */
  /* TLS: records with a tls object (decrypted wss, or kind tls) */
  uint64_t tls_records, tls_decrypted, tls_kind;
  GHashTable *tls_by_server;  /* "sni\tserver" -> ws_report_tls* */
  GHashTable *tls_reasons;    /* not_decrypted_reason -> uint64_t* */
  GPtrArray *storms;          /* of ws_report_storm*, in time order per server */
  ws_report_skipped skipped;
  GPtrArray *top;             /* of ws_report_rec*, ranked, at most WS_REPORT_TOP */
} ws_report;

ws_report *ws_report_new (void);
void ws_report_free (ws_report *rp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ws_report, ws_report_free)
/* Keys of a table sorted by count (desc), ties by key; the array holds
 * borrowed keys.  abnormal: sort by the abnormal count and leave out zeros. */
GPtrArray *ws_report_sorted_keys (GHashTable *h, bool abnormal);
/* Local hour and minute buckets of a timestamp. */
int64_t ws_report_local_hour (int64_t ts_us);
int64_t ws_report_local_minute (int64_t ts_us);
/* The route of a path: without its query string and fragment. g_malloc'd. */
char *ws_report_route (const char *path);
/* Whole seconds of a timestamp, rounded down (also for negative ones). */
int64_t ws_report_seconds (int64_t ts_us);
/* a / b rounded toward minus infinity (b > 0 or < 0, not 0). */
int64_t ws_report_floor_div (int64_t a, int64_t b);

/* ---- a night against the earlier ones (filled by history.c) -------------------- */

#define WS_HISTORY_AVG_RUNS 7

/* One compared count. */
typedef struct {
  const char *dim;            /* "total", "abnormal", "code", "cause", "server" (static) */
  char *key;
  int64_t now;
  int64_t prev;               /* in the previous run; 0 when absent */
  double avg;                 /* over the previous runs used (up to 7) */
  gboolean is_new;            /* in none of the previous runs */
} ws_history_delta;

typedef struct {
  char *label;
  char *prev_label;           /* NULL: no earlier run */
  /* connections in this run, the previous one and on average (for rates) */
  int64_t conns_now, conns_prev;
  double conns_avg;
  int n_prev;                 /* runs in the average */
  GPtrArray *deltas;          /* of ws_history_delta*: changed or new, largest change first */
} ws_history_cmp;

ws_history_cmp *ws_history_cmp_new (const char *label);
/* Append a delta (takes a copy of key; dim must be static). */
ws_history_delta *ws_history_cmp_add (ws_history_cmp *c, const char *dim, const char *key);
void ws_history_cmp_free (ws_history_cmp *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ws_history_cmp, ws_history_cmp_free)

#endif
