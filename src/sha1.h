/* sha1.h - SHA-1 (FIPS 180-4), for the Sec-WebSocket-Accept check.  Our
 * own: a handshake costs one digest of about 60 bytes, which GChecksum's
 * allocation and generic update path would cost more than. */
#ifndef WS_SHA1_H
#define WS_SHA1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t h[5];
  uint8_t block[64];
  size_t fill;                  /* bytes waiting in block */
  uint64_t total;               /* message length so far, in bytes */
} ws_sha1_ctx;

void ws_sha1_init (ws_sha1_ctx *s);
void ws_sha1_update (ws_sha1_ctx *s, const uint8_t *p, size_t n);
void ws_sha1_final (ws_sha1_ctx *s, uint8_t digest[20]);

/* The digest of len bytes at once. */
void ws_sha1 (const uint8_t *data, size_t len, uint8_t digest[20]);

/* Use the x86 SHA extensions when the CPU has them (the default, decided
 * once before main), or the portable code; for tests, which check both,
 * while no analyzer runs (it writes a process-wide flag). */
void ws_sha1_set_hw (bool on);

#endif
