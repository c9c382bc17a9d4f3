/* tlsconn.h - the TLS stage in the pipeline: between TCP reassembly and
 * the HTTP handshake parser.
 *
 *   tcp -> ws_conn_data -> [TLS: tls.c decrypts] -> ws_conn_plain_data
 *       -> http -> wsframe -> ...
 *
 * A connection whose first bytes are TLS records is taken by this stage:
 * its bytes go to a ws_tls parser, and when a key log is loaded
 * (ws_settings.tls.keylog) the application data it decrypts goes on to the same
 * path as plain traffic.  Without a key log the handshake is parsed (SNI,
 * versions, suite) and the records' sizes and timing kept: TLS connections
 * are counted by SNI and server, and with --tls (ws_settings.tls.list) each gets
 * a record of kind tls.
 */
#ifndef WS_TLSCONN_H
#define WS_TLSCONN_H

#include "conn.h"
#include "keylog.h"
#include "tls.h"

/* The stage's settings are ws_settings.tls (settings.h), reached through
 * the record's context (c->ctx). */

/* First bytes of a connection (stage PROBE): take it when it is TLS and the
 * stage is on.  Returns true when taken (then feed it with ws_tls_conn_data). */
bool ws_tls_conn_take (ws_conn *c, const uint8_t *data, size_t len);
void ws_tls_conn_data (ws_conn *c, ws_side side, const uint8_t *data, size_t len,
                       int64_t ts_us);
void ws_tls_conn_gap (ws_conn *c, ws_side side);
/* The connection ended: a last look for the keys of held records, before
 * its kind decides whether it gets a record. */
void ws_tls_conn_end (ws_conn *c);
/* Live: read what was added to the key logs, at most once a second. */
void ws_tls_refresh (ws_ctx *ctx);
void ws_tls_conn_release (ws_conn *c);
void ws_tls_conn_free (ws_conn *c);
/* A TLS connection that did not turn out to carry decrypted traffic gets a
 * record of its own (kind "tls") while the stage is on. */
bool ws_tls_conn_reported (const ws_conn *c);
/* The cause of a record of kind tls: ws_diagnose without a window
 * (rules-tls.c). */
void ws_tls_conn_diagnose (ws_conn *c);
/* The totals: count an ended TLS connection by SNI and server (in its
 * context's counters), and write the counts of st (most first, at most 20)
 * under the totals' TLS line; str writes a string from the wire safely. */
void ws_tls_conn_count (const ws_conn *c);
void ws_tls_totals_text (const ws_counters *st, GString *o,
                         void (*str) (GString *, const char *));
/* Why the records were not decrypted (the JSON name), NULL if they were. */
const char *ws_tls_json_reason (const ws_tls_info *in);
/* The time of side's last record at or before end_us (0: none known: not
 * in the last records kept and the last one came after end_us). */
int64_t ws_tls_last_before (const ws_tls_info *in, int side, int64_t end_us);
/* NULL when the connection did not go through the stage. */
const ws_tls_info *ws_tls_conn_info (const ws_conn *c);

#endif
