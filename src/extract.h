/* extract.h - the one set of readers for untrusted bytes (packet headers,
 * frame headers, handshake fields): ws_need() says whether a field lies
 * within what was captured, then the fixed-size readers take it in the byte
 * order the wire gives, whatever the host's.  They compile to single loads
 * (and a byte swap) where the CPU allows unaligned access.
 *
 * Use: if (!ws_need (len, off, 4)) return TRUNCATED; v = ws_be32 (p + off);
 */
#ifndef WS_EXTRACT_H
#define WS_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Are the n bytes of a field at off within len bytes?  (No overflow: off
 * and n may be anything.) */
static inline bool
ws_need (uint64_t len, uint64_t off, uint64_t n)
{
  return off <= len && n <= len - off;
}

/* ---- big-endian (network order) ------------------------------------------- */

static inline uint16_t
ws_be16 (const uint8_t *p)
{
  return (uint16_t) ((p[0] << 8) | p[1]);
}

static inline uint32_t
ws_be24 (const uint8_t *p)
{
  return ((uint32_t) p[0] << 16) | ((uint32_t) p[1] << 8) | p[2];
}

static inline uint32_t
ws_be32 (const uint8_t *p)
{
  return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

static inline uint64_t
ws_be64 (const uint8_t *p)
{
  return ((uint64_t) ws_be32 (p) << 32) | ws_be32 (p + 4);
}

/* The writers of our own bytes (hash padding, nonces), written out so that
 * the compiler makes each one store (of a byte-swapped word). */
static inline void
ws_put_be32 (uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t) (v >> 24);
  p[1] = (uint8_t) (v >> 16);
  p[2] = (uint8_t) (v >> 8);
  p[3] = (uint8_t) v;
}

static inline void
ws_put_be64 (uint8_t *p, uint64_t v)
{
  ws_put_be32 (p, (uint32_t) (v >> 32));
  ws_put_be32 (p + 4, (uint32_t) v);
}

/* ---- little-endian -------------------------------------------------------- */

static inline uint16_t
ws_le16 (const uint8_t *p)
{
  return (uint16_t) (p[0] | (p[1] << 8));
}

static inline uint32_t
ws_le32 (const uint8_t *p)
{
  return p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
}

static inline uint64_t
ws_le64 (const uint8_t *p)
{
  return ws_le32 (p) | ((uint64_t) ws_le32 (p + 4) << 32);
}

#endif
