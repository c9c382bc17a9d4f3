/* tls-internal.h - what the files of the TLS stage (tls*.c but tlsdec.c
 * and tls-json.c) share: the record and handshake constants, the per-side
 * state, the parser's struct, and the steps one file hands to another.
 * Not for use outside them; tls.h is the stage's interface (this header
 * does not include it, so that tls.c and its parts form no include cycle).
 *
 *   tls.c            record layer: headers, record bodies, their content
 *   tls-handshake.c  handshake messages into the ws_tls_info
 *   tls-protect.c    keys, decryption, held records, 0-RTT
 *   tls-resync.c     the next record boundary after a capture gap
 */
#ifndef WS_TLS_INTERNAL_H
#define WS_TLS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "keylog.h"
#include "tls-types.h"
#include "tlsdec.h"

#define REC_HANDSHAKE 22
#define REC_CCS 20
#define REC_ALERT 21
#define REC_APP 23

#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define HS_ENCRYPTED_EXTENSIONS 8
#define HS_FINISHED 20
#define HS_KEY_UPDATE 24

#define HS_MAX (64 * 1024)

typedef enum {
  KEYS_NONE = 0,                 /* not looked up yet */
  KEYS_OK,
  KEYS_FAILED,                   /* looked up and not found (info.reason says why) */
} keys_state;

typedef struct {
  /* record layer */
  uint8_t hdr[5];
  size_t hdr_len;
  uint8_t *rec;                  /* body of a record split across segments */
  size_t rec_len;
  bool dead;                     /* no longer parses: ignore the rest */
  size_t skip;                   /* body bytes of a record passed over uncopied */
  /* after a capture gap: bytes gathered while looking for the next record
   * boundary (resync), and the plaintext length lost so far */
  bool resync;
  uint8_t *scan;
  size_t scan_len;
  size_t scan_pos;               /* offsets before it were rejected */
  unsigned resync_trials;        /* candidates tried by decryption since the gap */
  bool seen_decrypted;           /* a record of this side authenticated */
  /* protection */
  bool encrypted;                /* 1.2: after CCS */
  bool app_phase;                /* 1.3: past this side's Finished */
  keys_state keys;
  bool waiting;                  /* no key yet: its records are held */
  ws_tls_cipher *cipher;
  unsigned generation;           /* 1.3 KeyUpdates applied */
  uint8_t *plain;                /* WS_TLS_MAX_CIPHERTEXT bytes */
  /* handshake messages */
  uint8_t hs_hdr[4];
  size_t hs_hdr_len;
  size_t hs_need;                /* body bytes still to come */
  bool hs_keep;                  /* gathering (else skipping) */
  uint8_t *hs_buf;
  size_t hs_len;
} side_state;

struct ws_tls {
  const ws_keylog *keylog;
  ws_tls_plain_fn plain;
  void *user;
  ws_tls_info info;
  side_state s[2];
  /* records held while their key is not in the key log yet (a live key
   * log that a program appends to after its handshake), in arrival order:
   * entries of side (1), ts (8), header (5), body length (2), body */
  size_t hold_max;               /* 0: no holding, a missing key is final */
  GByteArray *held;
  /* 0-RTT: the client's early records that came before the ServerHello
   * (entries of header (5), body), decrypted once the suite is known, and
   * the early data cipher */
  GByteArray *early_held;
  ws_tls_cipher *early;
  bool early_tried;
};

static inline bool
tls_is13 (const ws_tls *t)
{
  return t->info.version == 0x0304;
}

/* tls.c: the first reason a side could not be decrypted sticks; an alert
 * (level and description -1: encrypted, not decrypted); a record's
 * content in clear or decrypted; the record layer fed one side's bytes
 * (0, or -1 once that side no longer parses). */
void tls_set_reason (ws_tls *t, ws_tls_reason r);
void tls_add_alert (ws_tls *t, int side, int level, int desc, bool encrypted, int64_t ts_us);
void tls_content (ws_tls *t, int side, uint8_t type, const uint8_t *p, size_t n,
                  bool was_encrypted, int64_t ts_us);
long tls_feed_records (ws_tls *t, int side, const uint8_t *data, size_t len, int64_t ts_us);

/* tls-handshake.c: handshake protocol bytes of one side (a record's
 * fragment, in order). */
void tls_handshake_bytes (ws_tls *t, int side, const uint8_t *p, size_t n);

/* tls-protect.c: process one record (body NULL: passed over uncopied);
 * false when it must wait for its key (holding on and no key yet), nothing
 * done then.  tls_hold keeps it for later (or gives up what is held). */
bool tls_record_now (ws_tls *t, int side, const uint8_t hdr[5], const uint8_t *body,
                     size_t len, int64_t ts_us);
void tls_hold (ws_tls *t, int side, const uint8_t hdr[5], const uint8_t *body, size_t len,
               int64_t ts_us);

/* tls-resync.c: bytes of a side that is looking for a record boundary
 * after a gap. */
void tls_resync_feed (ws_tls *t, int side, const uint8_t *data, size_t len, int64_t ts_us);

#endif
