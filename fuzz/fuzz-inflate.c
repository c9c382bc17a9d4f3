/* fuzz-inflate.c - libFuzzer target for wholeinf.c, the strict whole-message
 * DEFLATE decoder, against zlib: whenever the decoder answers, zlib's raw
 * inflate (windowBits -15, the same dictionary) of the same bytes must give
 * no error, the same output within the same room, and stand where the
 * decoder says (the stream ended, or every input bit used at a block's
 * boundary).  Anything else aborts.
 *
 * Input layout: one byte (bit 0: a room of 65,536 bytes, else 300; bits
 * 1-7: the dictionary's length in 256-byte units), the dictionary, the
 * DEFLATE stream.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz.h"
#include "wholeinf.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static ws_wholeinf *d; /* its tables are rebuilt by every stream */
  if (!d)
    d = ws_wholeinf_new ();
  if (size < 1)
    return 0;
  size_t room = (data[0] & 1) ? 65536 : 300;
  size_t dict_len = MIN ((size_t) (data[0] >> 1) * 256, size - 1);
  const uint8_t *dict = data + 1, *in = data + 1 + dict_len;
  size_t n = size - 1 - dict_len;
  const uint8_t *out;
  size_t out_len;
  ws_wholeinf_rc rc = ws_wholeinf_run (d, dict, dict_len, in, n, room, &out, &out_len);

  z_stream z;
  memset (&z, 0, sizeof z);
  if (inflateInit2 (&z, -15) != Z_OK
      || (dict_len && inflateSetDictionary (&z, dict, (uInt) dict_len) != Z_OK))
    abort ();
  uint8_t *buf = g_malloc (room + 1);
  z.next_in = (Bytef *) in;
  z.avail_in = (uInt) n;
  z.next_out = buf;
  z.avail_out = (uInt) room + 1;
  int zr = inflate (&z, Z_SYNC_FLUSH);
  size_t got = room + 1 - z.avail_out;
  /* zlib at the stream's end, or with all input used at a block boundary
   * (data_type: 128 = between blocks, low 6 bits = bits held) */
  bool clean = zr == Z_STREAM_END
               || ((zr == Z_OK || zr == Z_BUF_ERROR) && z.avail_in == 0 && z.avail_out != 0
                   && (z.data_type & 128) && (z.data_type & 63) == 0);
  inflateEnd (&z);
  if (rc == WS_WHOLEINF_OK
      && (!clean || got > room || got != out_len || memcmp (out, dict, dict_len) != 0
          || memcmp (out + dict_len, buf, got) != 0))
    abort ();
  g_free (buf);
  return 0;
}
