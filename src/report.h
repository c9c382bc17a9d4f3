/* report.h - nightly batch reports: many captures or JSON Lines files in,
 * one summary out (text or JSON on stdout, optionally HTML and a SQLite
 * history).
 *
 *   captures ──> analyzer ──> JSON record ─┐
 *                                          ├─> ws_report_rec ──> ws_report (totals, charts' data,
 *   JSON Lines (-F json, daemon) ──────────┘                      top connections) ──> text/json/html
 *                                                              └─> history (SQLite)
 *
 * A ws_report_rec is the report's unit of data: the contract fields of one
 * connection.  It is filled from a diagnosed ws_conn or from one JSON Lines
 * record, and both give the same struct, so a report merged from the JSON
 * Lines of per-file runs (map) equals the one made in a single process.
 */
#ifndef WS_REPORT_H
#define WS_REPORT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "conn.h"

typedef struct {
  int64_t ts_us;              /* 0 when the fact has no moment */
  char *text;                 /* never NULL */
} ws_report_evidence;

/* Strings are owned, valid UTF-8 (bytes that were not become U+FFFD, one per
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
} ws_report_rec;

ws_report_rec *ws_report_rec_new (void);
void ws_report_rec_free (ws_report_rec *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ws_report_rec, ws_report_rec_free)

/* From a connection after ws_diagnose. */
ws_report_rec *ws_report_rec_from_conn (const ws_conn *c);
/* From one JSON Lines record (as ws_json_record writes it).  Returns NULL
 * and sets error when the line is not a JSON object. */
ws_report_rec *ws_report_rec_from_json (const char *line, size_t len, GError **error);
bool ws_report_rec_equal (const ws_report_rec *a, const ws_report_rec *b);
/* Abnormal: a failed handshake, or a close code other than 1000/1001
 * (still-open connections are not). */
bool ws_report_rec_abnormal (const ws_report_rec *r);
/* How much a connection matters in the ranking (higher first). */
int ws_report_rec_score (const ws_report_rec *r);
/* Total order of the ranking: score, then start time, then endpoints. */
int ws_report_rec_rank_cmp (const ws_report_rec *a, const ws_report_rec *b);
/* The code as a key: "1006", or "open" for null. */
void ws_report_code_key (int code, char buf[16]);
/* Valid UTF-8 copy of s[0..len) stopping at a NUL; NULL for NULL. */
char *ws_report_utf8_dup (const char *s, size_t len);

/* ---- the aggregate --------------------------------------------------------- */

typedef struct {
  uint64_t count;             /* connections */
  uint64_t abnormal;
} ws_report_count;

/* One bucket of the closes-over-time charts. */
typedef struct {
  int64_t hour;               /* local hours since the epoch */
  GHashTable *codes;          /* code key -> uint64_t* */
  GHashTable *causes;         /* cause id -> uint64_t* */
} ws_report_hour;

/* Idle time before 1006 closes: bins bounded by these seconds. */
#define WS_REPORT_IDLE_BINS 10
extern const double ws_report_idle_edges[WS_REPORT_IDLE_BINS - 1];
const char *ws_report_idle_label (int bin);

#define WS_REPORT_TOP 25

/* Read-only for the writers (html.c, history.c). */
typedef struct {
  uint64_t connections, abnormal, handshake_failures, still_open;
  int64_t first_us, last_us;  /* earliest start, latest end; 0 none */
  GHashTable *by_code;        /* code key -> ws_report_count* */
  GHashTable *by_cause;       /* cause id ("none") -> ws_report_count* */
  GHashTable *by_server;      /* "ip:port" -> ws_report_count* */
  GHashTable *by_host;        /* Host ("(none)") -> ws_report_count* */
  GHashTable *by_path;
  GHashTable *hs_fail;        /* "403 Forbidden", "bad accept", ... -> ws_report_count* */
  GHashTable *hours;          /* int64 hour -> ws_report_hour* */
  uint64_t idle_bins[WS_REPORT_IDLE_BINS];
  uint64_t idle_unknown;      /* 1006 closes without a known idle time */
  GPtrArray *top;             /* of ws_report_rec*, ranked, at most WS_REPORT_TOP */
} ws_report;

ws_report *ws_report_new (void);
void ws_report_free (ws_report *rp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ws_report, ws_report_free)
/* Count r; takes ownership (kept only while it ranks in the top). */
void ws_report_add (ws_report *rp, ws_report_rec *r);
/* Keys of a table sorted by count (desc), ties by key; the array holds
 * borrowed keys.  abnormal: sort by the abnormal count and leave out zeros. */
GPtrArray *ws_report_sorted_keys (GHashTable *h, bool abnormal);
/* Local hour bucket of a timestamp. */
int64_t ws_report_local_hour (int64_t ts_us);

/* `wsclosed report ...`: argv[0] is "report".  Returns the exit status
 * (0 ok, 1 usage, 2 some input could not be read, 3 output not written). */
int ws_report_main (int argc, char **argv);

#endif
