/* communityid.c - Community ID v1 (corelight/community-id-spec):
 *
 *   base64 (SHA-1 (seed:2 | addr_lo | addr_hi | proto:1 | pad:1 | port_lo:2 | port_hi:2))
 *
 * with the two endpoints ordered so that the smaller address (then the
 * smaller port) comes first, every integer big-endian.  One id a record:
 * the message (18 or 42 bytes) is one SHA-1 block, hashed by sha1.c's
 * one-shot function (SHA-NI where present), and the 20-byte digest is
 * always 28 base64 characters, written without GLib's streaming encoder
 * (a GChecksum and the encoder cost 3.2k instructions a record).
 */
#include "config.h"

#include <string.h>

#include "communityid.h"
#include "sha1.h"

void
ws_community_id (uint16_t seed, int family, const uint8_t *saddr, uint16_t sport,
                 const uint8_t *daddr, uint16_t dport, uint8_t proto,
                 char out[WS_COMMUNITY_ID_LEN])
{
  size_t alen = family == 6 ? 16 : 4;
  int c = memcmp (saddr, daddr, alen);
  if (c > 0 || (c == 0 && sport > dport))
    {
      const uint8_t *ta = saddr;
      saddr = daddr;
      daddr = ta;
      uint16_t tp = sport;
      sport = dport;
      dport = tp;
    }
  uint8_t buf[2 + 16 + 16 + 2 + 4];
  size_t n = 0;
  buf[n++] = (uint8_t) (seed >> 8);
  buf[n++] = (uint8_t) seed;
  memcpy (buf + n, saddr, alen);
  n += alen;
  memcpy (buf + n, daddr, alen);
  n += alen;
  buf[n++] = proto;
  buf[n++] = 0;
  buf[n++] = (uint8_t) (sport >> 8);
  buf[n++] = (uint8_t) sport;
  buf[n++] = (uint8_t) (dport >> 8);
  buf[n++] = (uint8_t) dport;

  uint8_t digest[20];
  ws_sha1 (buf, n, digest);
  static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char *o = out;
  *o++ = '1';
  *o++ = ':';
  /* 20 bytes: six groups of three, then two bytes and one '=' */
  for (int i = 0; i < 18; i += 3)
    {
      uint32_t v = (uint32_t) digest[i] << 16 | (uint32_t) digest[i + 1] << 8 | digest[i + 2];
      *o++ = b64[v >> 18];
      *o++ = b64[(v >> 12) & 63];
      *o++ = b64[(v >> 6) & 63];
      *o++ = b64[v & 63];
    }
  uint32_t v = (uint32_t) digest[18] << 16 | (uint32_t) digest[19] << 8;
  *o++ = b64[v >> 18];
  *o++ = b64[(v >> 12) & 63];
  *o++ = b64[(v >> 6) & 63];
  *o++ = '=';
  *o = '\0';
}
