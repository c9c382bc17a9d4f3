/* tls.h - the TLS stage: record layer and handshake parsing of one TCP
 * connection's two ordered byte streams, decryption with the secrets of a
 * key log (tlsdec.h), and the plaintext of application data handed on
 * through a callback.  A push parser: ws_tls_feed takes whatever the TCP
 * layer delivers and keeps at most one record per side (the record split
 * across segments) plus the handshake message being gathered.
 *
 * What is learnt on the way (versions, suite, SNI, ALPN, alerts, failures)
 * is kept in a ws_tls_info (tls-types.h) that the caller reads; the parser knows no
 * connection record.
 */
#ifndef WS_TLS_H
#define WS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keylog.h"
#include "tls-types.h"

/* The JSON names of a reason and of an alert description. */
const char *ws_tls_reason_name (ws_tls_reason r);
const char *ws_tls_alert_name (int description);   /* NULL if unknown */

/* keylog is borrowed (NULL: nothing is decrypted, facts are still parsed). */
ws_tls *ws_tls_new (const ws_keylog *keylog, ws_tls_plain_fn plain, void *user);
void ws_tls_free (ws_tls *t);
/* Free the buffers and keys; the info stays. */
void ws_tls_release (ws_tls *t);

/* Bytes of one side's stream (0 client, 1 server), in order.  Returns 0,
 * or -1 once that side no longer parses as TLS (what follows is ignored). */
long ws_tls_feed (ws_tls *t, int side, const uint8_t *data, size_t len, int64_t ts_us);
/* The capture lost bytes of one side: its partial record is dropped and
 * the side looks for the next record boundary (a header that chains with
 * the next, or that authenticates at the sequence number it would have
 * after a few lost records); the plaintext layer gets a hole there. */
void ws_tls_gap (ws_tls *t, int side);

const ws_tls_info *ws_tls_get_info (const ws_tls *t);

/* Live key logs: a record whose key is not in the key log yet is held (up
 * to max_bytes for the connection, records after it waiting behind it) and
 * decrypted once ws_tls_retry finds its key; beyond the bound, or at
 * release, what is held is given up.  0 (the default): a missing key is
 * final at once. */
void ws_tls_set_hold (ws_tls *t, size_t max_bytes);
/* Look again for the keys of held records (the key log grew). */
void ws_tls_retry (ws_tls *t);

/* Whether the start of a stream looks like TLS records: a handshake record
 * (the usual start), or, with midstream set, records of any type whose
 * headers chain consistently (two headers in view, or one that fills
 * exactly what is there). */
bool ws_tls_looks_like (const uint8_t *d, size_t len, bool midstream);

#endif
