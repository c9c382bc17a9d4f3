/* communityid.c - Community ID v1 (corelight/community-id-spec):
 *
 *   base64 (SHA-1 (seed:2 | addr_lo | addr_hi | proto:1 | pad:1 | port_lo:2 | port_hi:2))
 *
 * with the two endpoints ordered so that the smaller address (then the
 * smaller port) comes first, every integer big-endian.  One id a record,
 * so GLib's SHA-1 is fast enough.
 */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "communityid.h"

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
  gsize dlen = sizeof digest;
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA1);
  g_checksum_update (sum, buf, n);
  g_checksum_get_digest (sum, digest, &dlen);
  g_checksum_free (sum);

  out[0] = '1';
  out[1] = ':';
  gint state = 0, save = 0;
  gsize len = g_base64_encode_step (digest, sizeof digest, FALSE, out + 2, &state, &save);
  len += g_base64_encode_close (FALSE, out + 2 + len, &state, &save);
  out[2 + len] = '\0';
}
