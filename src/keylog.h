/* keylog.h - the NSS key log format (SSLKEYLOGFILE), as browsers, curl,
 * Python, Node, Go and Java write it: one secret a line,
 *
 *   LABEL <client_random: 64 hex digits> <secret: hex digits>
 *
 * LABEL is CLIENT_RANDOM (the TLS <= 1.2 master secret, 48 bytes) or one of
 * the TLS 1.3 secrets CLIENT_HANDSHAKE_TRAFFIC_SECRET,
 * SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0,
 * SERVER_TRAFFIC_SECRET_0 (32 or 48 bytes, by the suite's hash).  Lines
 * starting with '#' and blank lines are comments; other labels (EARLY_*,
 * EXPORTER_SECRET, RSA) are counted as ignored; anything else is malformed:
 * counted and skipped, its line number kept for the message.
 *
 * Entries are keyed by the client random.  A file is read from where the
 * last read stopped (a growing file, as a browser appends to it), and a last
 * line without its newline waits for the rest.  Secrets are never printed:
 * messages name the file and line only.
 */
#ifndef WS_KEYLOG_H
#define WS_KEYLOG_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WS_KEYLOG_RANDOM_LEN 32
#define WS_KEYLOG_SECRET_MAX 48

typedef enum {
  WS_KL_MASTER = 0,              /* CLIENT_RANDOM */
  WS_KL_CLIENT_HS,               /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
  WS_KL_SERVER_HS,               /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
  WS_KL_CLIENT_AP,               /* CLIENT_TRAFFIC_SECRET_0 */
  WS_KL_SERVER_AP,               /* SERVER_TRAFFIC_SECRET_0 */
  WS_KL_CLIENT_EARLY,            /* CLIENT_EARLY_TRAFFIC_SECRET (0-RTT) */
  WS_KL_N
} ws_keylog_kind;

typedef struct {
  uint8_t len;                   /* 0: absent */
  uint8_t b[WS_KEYLOG_SECRET_MAX];
} ws_keylog_secret;

/* The secrets known for one client random. */
typedef struct {
  ws_keylog_secret s[WS_KL_N];
} ws_keylog_entry;

typedef struct ws_keylog ws_keylog;

ws_keylog *ws_keylog_new (void);
void ws_keylog_free (ws_keylog *kl);   /* wipes the secrets */

/* Read a key log file, or what was added to it since the last call with
 * the same path.  FALSE with error when it cannot be opened or read (a
 * missing file is an error the first time only: a daemon may see it
 * rotated away).  Malformed lines are not errors: see ws_keylog_malformed. */
gboolean ws_keylog_load_file (ws_keylog *kl, const char *path, GError **error);

/* The files read are complete (not a daemon waiting for more): take each
 * one's last line even without its newline. */
void ws_keylog_finish (ws_keylog *kl);

/* Parse key log text from elsewhere (a pcapng Decryption Secrets Block).
 * A last line without a newline counts. */
void ws_keylog_add_text (ws_keylog *kl, const char *buf, size_t len);

/* The secrets for a client random, or NULL (borrowed; valid until the
 * keylog is freed: entries are never removed, only completed). */
const ws_keylog_entry *ws_keylog_lookup (const ws_keylog *kl, const uint8_t random[WS_KEYLOG_RANDOM_LEN]);

size_t ws_keylog_size (const ws_keylog *kl);        /* client randoms known */
uint64_t ws_keylog_lines (const ws_keylog *kl);     /* secret lines taken */
uint64_t ws_keylog_ignored (const ws_keylog *kl);   /* known labels not used */
uint64_t ws_keylog_malformed (const ws_keylog *kl);
/* Messages about malformed lines since the last call ("FILE:LINE: why"),
 * at most the first few of a file; the caller frees the array. */
GPtrArray *ws_keylog_take_messages (ws_keylog *kl);

#endif
