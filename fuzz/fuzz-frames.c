/* fuzz-frames.c - libFuzzer target for the WebSocket frame parser
 * (wsframe.c) with and without permessage-deflate, driven through the
 * connection record (conn.c) the way TCP reassembly drives it, then through
 * the diagnosis and every report writer.
 *
 * Input layout:
 *   byte 0   configuration
 *              bit 0  permessage-deflate negotiated
 *              bit 1  server_no_context_takeover
 *              bit 2  client_no_context_takeover
 *              bit 3  start before the handshake (the stream carries the
 *                     GET and the 101) instead of just after the 101
 *              bit 4  do not check UTF-8
 *              bit 5  small limits (inflate cap 4 KiB, close reason 16 B)
 *              bit 6,7 max_window_bits of both sides: 15, 8, 10, 12
 *   then records, until the input ends:
 *     one byte h:  bit 0 side (0 client, 1 server)
 *                  bit 1 0: stream bytes follow, 1: a gap (lost bytes)
 *                  bits 2-7 n; n == 63: a 16-bit big-endian n follows
 *     stream bytes: the next n bytes (fewer at the end of the input)
 *     gap: n bytes lost; n == 62 means 2^40 bytes
 *
 * Oracles besides the sanitizers: counters stay consistent, the JSON record
 * is valid UTF-8 without raw control bytes, the text report has no escape
 * byte or other control character but newline.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "diagnose.h"
#include "fuzz.h"
#include "output.h"

static void
check_output (const ws_conn *c, int fmt)
{
  GString *j = g_string_new (NULL);
  ws_json_record (j, c);
  if (!g_utf8_validate (j->str, (gssize) j->len, NULL))
    abort ();
  for (size_t i = 0; i < j->len; i++)
    if ((uint8_t) j->str[i] < 0x20)
      abort ();
  g_string_free (j, TRUE);

  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  if (!f)
    return;
  ws_writer *w = ws_writer_new (f, (ws_format) fmt, false);
  ws_writer_set_verbose (w, true);
  ws_writer_record (w, c);
  ws_writer_finish (w, &c->ctx->cnt);
  ws_writer_free (w);
  fclose (f);
  if (fmt == WS_FMT_TEXT)
    for (size_t i = 0; i < len; i++)
      if ((uint8_t) buf[i] < 0x20 && buf[i] != '\n')
        abort ();
  free (buf);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const int wbits[4] = { 15, 8, 10, 12 };
  fuzz_cursor in = { data, size, 0 };
  uint8_t cfg = fuzz_u8 (&in);

  ws_settings set;
  ws_settings_init (&set);
  ws_ctx ctx;
  set.limits.inflate = true; /* the inflater is what most needs fuzzing */
  set.limits.max_inflate_bytes = 1024 * 1024; /* keeps an execution short */
  set.limits.check_utf8 = !(cfg & 0x10);
  if (cfg & 0x20)
    {
      set.limits.max_inflate_bytes = 4096;
      set.limits.max_close_reason = 16;
    }

  ws_ctx_init (&ctx, &set);
  ws_conn *c = ws_conn_new (&ctx);
  c->syn_seen = true;
  c->sides_known = true;
  c->addr[0].family = c->addr[1].family = 4;
  c->port[0] = 40000;
  c->port[1] = 80;
  c->start_us = 1000000;
  if (!(cfg & 0x08))
    {
      /* as conn.c leaves it after a 101 */
      c->kind = WS_KIND_WEBSOCKET;
      c->stage = WS_STAGE_FRAMES;
      c->handshake_status = 101;
      c->pmd.enabled = cfg & 0x01;
      c->pmd.server_no_context_takeover = cfg & 0x02;
      c->pmd.client_no_context_takeover = cfg & 0x04;
      c->pmd.server_max_window_bits = wbits[cfg >> 6];
      c->pmd.client_max_window_bits = wbits[cfg >> 6];
    }

  int64_t ts = 2000000;
  uint64_t fed[2] = { 0, 0 };
  while (fuzz_left (&in) > 0)
    {
      uint8_t h = fuzz_u8 (&in);
      ws_side side = (h & 1) ? WS_SIDE_SERVER : WS_SIDE_CLIENT;
      size_t n = h >> 2;
      bool gap = h & 2;
      if (gap && n == 62)
        {
          ws_conn_gap (c, side, UINT64_C (1) << 40, ts);
          continue;
        }
      if (n == 63)
        n = fuzz_u16 (&in);
      if (gap)
        ws_conn_gap (c, side, n, ts);
      else
        {
          size_t got;
          const uint8_t *p = fuzz_take (&in, n, &got);
          if (got)
            {
              /* tcp.c counts the bytes before handing them on */
              c->dir[side].tcp_bytes += got;
              fed[side] += got;
              ws_conn_data (c, side, p, got, ts);
            }
        }
      ts += 1000;
    }
  c->end_us = ts;

  for (int s = 0; s < 2; s++)
    {
      const ws_dir_stats *d = &c->dir[s];
      if (d->payload_bytes > d->frame_bytes || d->messages > d->frames
          || d->text_messages + d->binary_messages != d->messages
          || (!d->gaps && d->frame_bytes > fed[s]))
        abort ();
      /* a close payload is kept up to the cap, and always up to 125 bytes */
      if (c->close[s].reason && c->close[s].reason_len > MAX (set.limits.max_close_reason, 125))
        abort ();
    }
  if (c->n_violations > WS_MAX_VIOLATIONS)
    abort ();

  ws_diagnose (c, NULL);
  check_output (c, cfg % 3);
  ws_conn_free (c);
  ws_ctx_clear (&ctx);
  return 0;
}
