/* tls-types.h - the TLS stage's types (tls.h is its interface): what it
 * learns of a connection (versions, suite, SNI, ALPN, alerts, records,
 * failures) in a ws_tls_info, and how it hands plaintext on.  Apart from
 * tls.h so that the stage's own files (tls-internal.h) can use them
 * without including tls.h.
 */
#ifndef WS_TLS_TYPES_H
#define WS_TLS_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why the records were not decrypted (the JSON names: ws_tls_reason_name). */
typedef enum {
  WS_TLS_OK = 0,
  WS_TLS_NO_KEY,                 /* no secret for this client random */
  WS_TLS_BEGAN_AFTER_HANDSHAKE,  /* no ClientHello/ServerHello in the capture */
  WS_TLS_UNSUPPORTED_SUITE,      /* suite or version wsclosed does not decrypt */
  WS_TLS_GAP,                    /* the capture lost bytes of the stream */
  WS_TLS_NOT_TLS,                /* the bytes stopped looking like TLS records */
  WS_TLS_NO_KEYLOG,              /* no key log given (--tls alone) */
} ws_tls_reason;

#define WS_TLS_MAX_ALERTS 8

typedef struct {
  int side;                      /* 0 client, 1 server */
  int level;                     /* -1: encrypted and not decrypted */
  int description;               /* -1: encrypted and not decrypted */
  bool encrypted;                /* carried in a protected record */
  int64_t ts_us;
} ws_tls_alert;

/* One record as the wire shows it (kept for the last few: their sizes and
 * timing are what is known of an end that was not decrypted). */
typedef struct {
  uint8_t side;                  /* 0 client, 1 server */
  uint8_t type;                  /* outer content type */
  uint16_t len;                  /* body length */
  int64_t ts_us;
} ws_tls_rec_seen;

#define WS_TLS_LAST_RECORDS 6

typedef struct {
  bool client_hello, server_hello;   /* seen */
  bool hello_retry;
  uint16_t offered_version;      /* highest in supported_versions, else legacy_version */
  uint16_t version;              /* negotiated; 0 unknown */
  uint16_t cipher_suite;         /* 0 unknown */
  bool etm;                      /* encrypt_then_mac in the ServerHello */
  uint8_t client_random[32], server_random[32];
  char sni[256];                 /* "" when none; bytes as sent, NUL-free */
  char alpn_offered[256];        /* protocols joined with ',' ("" none) */
  char alpn[64];                 /* chosen ("" none or not seen) */
  bool alpn_seen;                /* chosen ALPN known (SH in 1.2, EE in 1.3) */
  bool decrypted;                /* at least one record authenticated */
  ws_tls_reason reason;          /* first reason a side could not be decrypted */
  ws_tls_alert alerts[WS_TLS_MAX_ALERTS];
  unsigned n_alerts, alerts_dropped;
  bool close_notify[2];          /* by side */
  uint64_t records[2];           /* records seen, by side */
  uint64_t decrypted_records[2];
  uint64_t app_bytes[2];         /* application plaintext handed on */
  uint64_t bad_record_mac;       /* records that did not authenticate */
  uint64_t records_dropped;      /* times held records were given up (no key in time) */
  uint64_t malformed;            /* records or messages that did not parse */
  uint32_t key_updates;
  /* timing of the records, by side (0: none) */
  int64_t first_record_us[2], last_record_us[2];
  /* the last WS_TLS_LAST_RECORDS records of both sides, oldest first from
   * index last_next (a ring; n_last of them filled) */
  ws_tls_rec_seen last[WS_TLS_LAST_RECORDS];
  unsigned n_last, last_next;
  /* capture gaps: times a side found a record boundary again after one,
   * and the records lost in them (counted by the sequence number that
   * authenticates the first record after the gap; only when decrypting) */
  uint32_t gaps, resyncs;
  uint64_t lost_records;
  bool lost_records_known;       /* every resync counted its records */
  /* TLS 1.3 0-RTT: early_data offered in the ClientHello, accepted in the
   * EncryptedExtensions; its records (counted) are decrypted with
   * CLIENT_EARLY_TRAFFIC_SECRET when the key log has it */
  bool early_data_offered, early_data_accepted;
  uint64_t early_records, early_decrypted;
} ws_tls_info;

/* Application data plaintext of one side, in order.  The bytes live until
 * the callback returns. */
/* data NULL: len bytes of application data were lost (a record that failed
 * to decrypt), so the layer above sees a hole there. */
typedef void (*ws_tls_plain_fn) (void *user, int side, const uint8_t *data, size_t len,
                                 int64_t ts_us);

typedef struct ws_tls ws_tls;

#endif
