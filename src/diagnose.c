/* diagnose.c - from the facts in one connection record (and brief summaries
 * of its neighbours) to the most likely cause of its end: an id from the
 * contract below, a one-sentence summary with the facts, a fix, an honest
 * confidence and evidence lines with timestamps.
 *
 * Order of the rules (the first that fits decides the id):
 *
 *   1. opening handshake    non-101 -> handshake_rejected
 *                           wrong Sec-WebSocket-Accept, extension/subprotocol
 *                           never offered -> handshake_* (when the client then
 *                           gave up; a lax client that carried on is noted)
 *   2. close frame on wire  code -> its cause (1000 normal_closure, ...,
 *                           3000-4999 application_code, others
 *                           invalid_close_code), each checked against what the
 *                           wire shows (violations for 1002/1007, sizes for
 *                           1009, extensions for 1010, pings for 1011)
 *   3. no close frame       peer_reset (RST mid-traffic), protocol_violation
 *                           (the ender had just received a bad frame),
 *                           idle_timeout (known proxy/LB timeouts, a fixed idle
 *                           time across connections, a proxy's FIN after
 *                           silence), keepalive_timeout (pings without pongs),
 *                           else connection_dropped
 *   4. still open           still_open
 *
 * Then, for every record: "failed the connection" (close frame, then TCP torn
 * down without waiting for the echo), libraries named by their reason
 * strings and headers, the timeline, reconnects and close storms from the
 * window, and a lower confidence when the capture has gaps.
 *
 * Cause ids (JSON contract): normal_closure endpoint_going_away
 * protocol_violation unsupported_data no_status idle_timeout peer_reset
 * connection_dropped invalid_payload policy_violation message_too_big
 * extension_not_negotiated server_internal_error keepalive_timeout
 * service_restart try_again_later bad_gateway handshake_rejected
 * backend_unavailable backend_dropped
 * handshake_accept_mismatch handshake_unrequested_extension
 * handshake_unrequested_subprotocol application_code invalid_close_code
 * still_open
 */
#include "diagnose.h"

#include "context.h"
#include "diag-internal.h"
#include "facts.h"
#include "software.h"

void rule_subproto (diag *d);

/* The context of one diagnosis, with the facts every rule reads. */
static void
diag_init (diag *d, ws_conn *c, const ws_conn_window *w)
{
  /* each field set here: the texts' room stays as is */
  d->c = c;
  d->ix = w ? w->index : NULL;
  d->k = &c->cause;
  d->no_evidence = w && w->no_evidence;
  d->ua_software = d->server_software = NULL;
  d->server_is_proxy = false;
  d->server_lc_made = false;
  ws_strbuf_init (&d->server_lc);
  ws_strbuf_init (&d->lead);
  ws_strbuf_init (&d->extra);
  d->code = ws_conn_close_code (c);
  d->closer = c->close_initiator;
  if (d->closer != WS_SIDE_CLIENT && d->closer != WS_SIDE_SERVER)
    d->closer = WS_SIDE_NONE;
  else if (!c->close[d->closer].seen)
    d->closer = WS_SIDE_NONE;
  d->other = d->closer == WS_SIDE_NONE ? WS_SIDE_NONE : WS_OTHER_SIDE (d->closer);
  d->end_us = ws_end_moment (c);
  d->tcp_end_us = c->tcp_end != WS_TCP_END_OPEN ? ws_first_end_us (c, c->tcp_end_by) : 0;
  if (c->tcp_end != WS_TCP_END_OPEN && !d->tcp_end_us)
    d->tcp_end_us = c->end_us;
  d->last_frame_us = ws_last_frame_us (c);
  ws_sw_memo *memo = c->ctx ? &c->ctx->sw_memo : NULL;
  if (c->user_agent)
    {
      const ws_software *ua = ws_software_of (memo, c->user_agent);
      d->ua_software = ua ? ua->name : NULL;
    }
  if (c->server_header)
    {
      const ws_software *sw = ws_software_of (memo, c->server_header);
      d->server_software = sw ? sw->name : NULL;
      d->server_is_proxy = sw && sw->proxy;
    }
}

static void
rule_still_open (diag *d)
{
  const ws_conn *c = d->c;
  int64_t last = d->last_frame_us ? d->last_frame_us : c->response_us;

  set_cause_fields (d, "still_open", NULL, "high", NULL);
  if (c->limits & WS_LIMIT_EVICTED)
    TR_LIT (&d->lead, "The connection was still open when wsclosed stopped tracking it "
                   "(evicted: more connections at once than --max-conns; last frame ");
  else
    TR_LIT (&d->lead, "The connection was still open when the capture ended (last "
                   "frame ");
  ws_strbuf_add_dur (&d->lead, c->end_us && last && c->end_us >= last ? c->end_us - last : 0);
  TR_LIT (&d->lead, " before the last packet seen)");
}

/* The summary, one sentence: the lead the rule wrote, what happened (the
 * facts: close frames, TCP end), then the clauses added on the way. */
static void
summary_finish (diag *d)
{
  const ws_conn *c = d->c;
  ws_strbuf *s = &d->lead;

  WS_STRBUF_LIT (s, " (");
  if (c->handshake_status == 101 || c->midstream
      || (c->handshake_status < 0 && c->stage == WS_STAGE_FRAMES))
    close_facts (d, s);
  tcp_facts (d, s);
  WS_STRBUF_LIT (s, ")");
  if (d->extra.len)
    {
      WS_STRBUF_LIT (s, "; ");
      ws_strbuf_add (s, d->extra.str, d->extra.len);
    }
  WS_STRBUF_LIT (s, ".");
  ws_cause_set_summary (d->k, s->str, s->len);
}

void
ws_diagnose (ws_conn *c, const ws_conn_window *w)
{
  diag d;

  ws_cause_clear (&c->cause);
  diag_init (&d, c, w);
  /* the first rule that fits decides the id */
  if (c->kind == WS_KIND_TLS)
    rule_tls (&d);
  else if (!rule_handshake (&d))
    {
      if (d.closer != WS_SIDE_NONE)
        rule_close_code (&d);
      else if (c->tcp_end != WS_TCP_END_OPEN)
        rule_abnormal (&d);
      else
        rule_still_open (&d);
      rule_subproto (&d);       /* application protocols (rules-subproto.c) */
      failed_connection_check (&d);
      tls_end_evidence (&d);
    }
  /* then, for every record */
  library_evidence (&d);
  timeline_evidence (&d);
  cross_connection (&d);
  quality_evidence (&d);
  summary_finish (&d);
  ws_cause_sort_evidence (&c->cause);
  ws_strbuf_clear (&d.lead);
  ws_strbuf_clear (&d.extra);
  ws_strbuf_clear (&d.server_lc);
}
