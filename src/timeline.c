/* timeline.c - the lines every diagnosis writes from the facts of the
 * record: the facts in the summary (close frames, TCP end), the timeline of
 * the connection (handshake, frames, close frames, teardown, violations) and
 * what the capture may have missed. */
#include "diag-internal.h"
#include "facts.h"

void
tcp_facts (const diag *d, ws_strbuf *s)
{
  const ws_conn *c = d->c;
  if (c->tcp_end == WS_TCP_END_OPEN)
    {
      ws_strbuf_add_str (s, c->limits & WS_LIMIT_EVICTED
                            ? ws_tr ("TCP still open when it was evicted")
                            : ws_tr ("TCP still open when the capture ended"));
      return;
    }
  ws_side e = c->tcp_end_by;
  if (e != WS_SIDE_CLIENT && e != WS_SIDE_SERVER)
    {
      ws_strbuf_printf (s, ws_tr ("TCP ended with %s"), c->tcp_end == WS_TCP_END_RST ? ws_tr ("an RST") : ws_tr ("a FIN"));
      return;
    }
  bool rst_first = ws_ended_with_rst (c, e);
  ws_strbuf_printf (s, ws_tr ("TCP ended with %s from the %s"), rst_first ? ws_tr ("an RST") : ws_tr ("a FIN"),
               side_str (e));
  if (!rst_first && c->tcp_end == WS_TCP_END_RST)
    {
      ws_side r = c->rst[WS_OTHER_SIDE (e)] ? WS_OTHER_SIDE (e) : e;
      ws_strbuf_printf (s, ws_tr (", then an RST from the %s"), side_str (r));
    }
}

void
close_facts (const diag *d, ws_strbuf *s)
{
  const ws_conn *c = d->c;
  if (d->closer == WS_SIDE_NONE)
    {
      ws_strbuf_add_str (s, ws_tr ("no close frame from either side; "));
      return;
    }
  const ws_close_info *ci = &c->close[d->closer];
  if (ci->code < 0)
    ws_strbuf_printf (s, ws_tr ("the %s sent a close frame with no code"), side_str (d->closer));
  else
    ws_strbuf_printf (s, ws_tr ("the %s sent close %d"), side_str (d->closer), ci->code);
  if (ci->reason && *ci->reason)
    {
      char r[112];
      ws_short_close_reason (r, sizeof r, ci, 80);
      ws_strbuf_printf (s, " \"%s\"", r);
    }
  if (c->close[d->other].seen)
    ws_strbuf_printf (s, ws_tr (", the %s echoed it; "), side_str (d->other));
  else
    ws_strbuf_printf (s, ws_tr (", the %s never answered it; "), side_str (d->other));
}

void
violation_evidence (diag *d, const ws_violation *v)
{
  if (v->detail[0])
    EV (d, v->ts_us, "%s sent %s (%s) at stream offset %" G_GUINT64_FORMAT,
        side_str (v->side), ws_violation_text (v->kind), v->detail, v->offset);
  else
    EV (d, v->ts_us, "%s sent %s at stream offset %" G_GUINT64_FORMAT,
        side_str (v->side), ws_violation_text (v->kind), v->offset);
}

/* "handshake: GET %s (Host %s) answered 101 after %s[, subprotocol %s][,
 * permessage-deflate]" */
static void
handshake_line (diag *d)
{
  const ws_conn *c = d->c;
  ws_strbuf t;

  ws_strbuf_init (&t);
  TR_LIT (&t, "handshake: GET ");
  ws_cause_add_wire (&t, c->path ? c->path : "?");
  TR_LIT (&t, " (Host ");
  ws_cause_add_wire (&t, c->host ? c->host : "?");
  TR_LIT (&t, ") answered 101 after ");
  if (c->response_us >= c->request_us)
    ws_strbuf_add_dur (&t, c->response_us - c->request_us);
  else
    WS_STRBUF_LIT (&t, "?");
  if (c->accepted_subprotocol)
    {
      TR_LIT (&t, ", subprotocol ");
      ws_cause_add_wire (&t, c->accepted_subprotocol);
    }
  if (c->pmd.enabled)
    WS_STRBUF_LIT (&t, ", permessage-deflate");
  ws_cause_add_built (d->k, c->response_us ? c->response_us : c->request_us, &t);
}

/* The close frames, the first first. */
static void
close_frames_in_order (diag *d)
{
  const ws_conn *c = d->c;

  ws_side order[2] = { WS_SIDE_CLIENT, WS_SIDE_SERVER };
  if (c->close[1].seen && (!c->close[0].seen || c->close[1].ts_us < c->close[0].ts_us))
    {
      order[0] = WS_SIDE_SERVER;
      order[1] = WS_SIDE_CLIENT;
    }
  for (int i = 0; i < 2; i++)
    {
      const ws_close_info *ci = &c->close[order[i]];
      if (!ci->seen)
        continue;
      char r[112];
      ws_short_close_reason (r, sizeof r, ci, 80);
      if (ci->code >= 0)
        EV (d, ci->ts_us, "%s sent close %d (%s)%s%s%s, %zu-byte payload",
            side_str (order[i]), ci->code, ws_code_lookup (ci->code)->name,
            *r ? " reason \"" : "", r, *r ? "\"" : "", ci->payload_len);
      else
        EV (d, ci->ts_us, "%s sent a close frame with %s", side_str (order[i]),
            ci->payload_len == 1 ? ws_tr ("a 1-byte body (no valid code)") : ws_tr ("an empty body (no code)"));
    }
}

/* FIN and RST of both sides in time order, each with its distance from the
 * last frame. */
static void
teardown_in_order (diag *d)
{
  const ws_conn *c = d->c;
  char b[48];

  struct tcp_ev { int64_t t; const char *what; ws_side s; } ev[4];
  int n = 0;
  for (int s = 0; s < 2; s++)
    {
      if (c->fin[s])
        ev[n++] = (struct tcp_ev) { c->fin_us[s], "FIN", (ws_side) s };
      if (c->rst[s])
        ev[n++] = (struct tcp_ev) { c->rst_us[s], "RST", (ws_side) s };
    }
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && ev[j].t < ev[j - 1].t; j--)
      {
        struct tcp_ev t = ev[j];
        ev[j] = ev[j - 1];
        ev[j - 1] = t;
      }
  for (int i = 0; i < n; i++)
    {
      int64_t lf = ws_last_frame_us (c);
      if (lf && ev[i].t >= lf)
        {
          ws_fmt_dur (b, sizeof b, ev[i].t - lf);
          EV (d, ev[i].t, "%s sent %s, %s after the last frame", side_str (ev[i].s),
              ev[i].what, b);
        }
      else
        EV (d, ev[i].t, "%s sent %s", side_str (ev[i].s), ev[i].what);
    }
}

void
timeline_evidence (diag *d)
{
  const ws_conn *c = d->c;
  char a[48];

  if (c->midstream && c->handshake_status < 0)
    EV (d, c->start_us, "capture began after the handshake: handshake facts unknown");
  if (c->request_us && c->handshake_status == 101 && evidence_room (d))
    handshake_line (d);
  for (int s = 0; s < 2; s++)
    {
      const ws_dir_stats *st = &c->dir[s];
      if (!st->frames)
        continue;
      ws_fmt_size (a, sizeof a, st->largest_message);
      if (st->wire_sizes) /* compressed messages not inflated (wsframe.c) */
        g_strlcat (a, ws_tr (" on the wire"), sizeof a);
      EV (d, st->last_frame_us,
          "last frame from the %s; it sent %" G_GUINT64_FORMAT " frames, %"
          G_GUINT64_FORMAT " messages (largest %s), %" G_GUINT64_FORMAT " pings, %"
          G_GUINT64_FORMAT " pongs",
          side_str ((ws_side) s), st->frames, st->messages, a, st->pings, st->pongs);
    }
  close_frames_in_order (d);
  teardown_in_order (d);
  unsigned nv = MIN (c->n_violations, WS_MAX_VIOLATIONS);
  for (unsigned i = 0; i < nv && i < 4; i++)
    violation_evidence (d, &c->violations[i]);
  if (nv > 4 || c->violations_dropped)
    EV (d, 0, "%u more protocol violations not listed",
        (nv > 4 ? nv - 4 : 0) + c->violations_dropped);
}

/* The capture itself may be what hides the cause. */
void
quality_evidence (diag *d)
{
  const ws_conn *c = d->c;
  bool weak = false;

  for (int s = 0; s < 2; s++)
    {
      const ws_dir_stats *st = &c->dir[s];
      if (st->gaps || st->desynced)
        {
          EV (d, 0, "the capture missed %" G_GUINT64_FORMAT " bytes of the %s's stream "
              "(%u gaps%s)", st->gap_bytes, side_str ((ws_side) s), st->gaps,
              st->desynced ? ws_tr (", frame boundaries lost") : "");
          weak = true;
        }
      if (st->inflate_capped)
        EV (d, 0, "a compressed %s message hit the inflate cap: its size is a lower bound",
            side_str ((ws_side) s));
    }
  if (c->limits & (WS_LIMIT_REASSEMBLY | WS_LIMIT_EVICTED | WS_LIMIT_HEADER))
    {
      EV (d, 0, "a tracking limit was hit on this connection (%s%s%s)",
          c->limits & WS_LIMIT_REASSEMBLY ? ws_tr ("reassembly buffer ") : "",
          c->limits & WS_LIMIT_EVICTED ? ws_tr ("evicted ") : "",
          c->limits & WS_LIMIT_HEADER ? ws_tr ("handshake too long") : "");
      weak = true;
    }
  if (c->limits & WS_LIMIT_INFLATERS)
    EV (d, 0, "too many compressed connections at once: message sizes were not measured");
  if (weak)
    lower_confidence (d, "medium");
}

