/* software.c - software named by what a connection shows: close reasons in
 * the wording of a WebSocket library, User-Agent and Server headers naming a
 * browser, a library, a proxy or a load balancer (see software.h); and the
 * evidence lines that name them. */
#include "facts.h"
#include "software.h"

#include <string.h>

#include "context.h"
#include "diag-internal.h"

static const struct
{
  const char *needle;
  const char *library;
  const char *note;
} reason_libs[] = {
  { "keepalive ping timeout", "Python websockets",
    N_ ("its keepalive gave up: ping_interval and ping_timeout are 20 s each by default") },
  { "over size limit (", "Python websockets", N_ ("its max_size limit (default 1 MiB) was exceeded") },
  { "incorrect masking", "Python websockets", NULL },
  { "reserved bits must be 0", "Python websockets", NULL },
  { "control frame too long", "Python websockets", NULL },
  { "fragmented control frame", "Python websockets", NULL },
  { "close frame too short", "Python websockets", NULL },
  { "invalid start byte at position", "Python websockets", NULL },
  { "invalid continuation byte at position", "Python websockets", NULL },
  { "unexpected end of data at position", "Python websockets", NULL },
  { "Max payload size exceeded", "Node ws", N_ ("its maxPayload limit (default 100 MiB) was exceeded") },
  { "Invalid WebSocket frame:", "Node ws", NULL },
  { "websocket: close ", "Go gorilla/websocket",
    N_ ("the text of a gorilla CloseError passed on as the reason") },
  { "unexpected reserved bits", "Go gorilla/websocket", NULL },
  { "control frame length > 125", "Go gorilla/websocket", NULL },
  { "control frame not final", "Go gorilla/websocket", NULL },
  { "incorrect mask flag", "Go gorilla/websocket", NULL },
  { "bad close code", "Go gorilla/websocket", NULL },
  { "message start before final message frame", "Go gorilla/websocket", NULL },
};

const char *
ws_reason_library (const char *reason, const char **note)
{
  if (!reason)
    return NULL;
  for (size_t i = 0; i < G_N_ELEMENTS (reason_libs); i++)
    if (strstr (reason, reason_libs[i].needle))
      {
        if (note)
          *note = reason_libs[i].note;
        return reason_libs[i].library;
      }
  return NULL;
}

/* Software named by a User-Agent or Server header: the first entry with a
 * needle in the header wins, without regard to ASCII case (the needles are
 * in lower case and looked for in the lower-cased header). */
static const struct {
  const char *needle[3];
  ws_software sw;
} known_software[] = {
  { { "websockets/" }, { "Python websockets", false } },
  { { "edg/", "chrome/", "chromium/" }, { N_ ("a Chromium-based browser"), false } },
  { { "firefox/" }, { "Firefox", false } },
  { { "safari/" }, { "Safari", false } },
  { { "go-http-client" }, { N_ ("a Go client (gorilla/websocket or net/http based)"), false } },
  { { "nginx" }, { "nginx", true } },
  { { "envoy" }, { "Envoy", true } },
  { { "cloudflare" }, { "Cloudflare", true } },
  { { "awselb" }, { N_ ("an AWS load balancer"), true } },
  { { "haproxy" }, { "HAProxy", true } },
};

/* Index into known_software for a lower-cased header, or -1. */
static int
software_index (const char *lc)
{
  for (size_t i = 0; i < G_N_ELEMENTS (known_software); i++)
    for (size_t j = 0; j < G_N_ELEMENTS (known_software[i].needle) && known_software[i].needle[j]; j++)
      if (strstr (lc, known_software[i].needle[j]))
        return (int) i;
  return -1;
}

/* software_index of the header lower-cased.  A capture
 * holds few distinct User-Agent and Server values, and lower-casing one and
 * looking for every needle in it costs a thousand instructions or so, so the
 * answers for the last few values are remembered (by the whole value) in
 * the analyzer's memo (context.h). */

/* The entry of the software header names, or -1. */
static int
software_of (ws_sw_memo *sw, const char *header)
{
  size_t n = strlen (header);
  bool memo = sw && n > 0 && n < WS_SW_MEMO_LEN;
  ws_strbuf lc;
  int k;

  if (memo)
    for (unsigned i = 0; i < WS_SW_MEMO; i++)
      if (sw->e[i].len == n && memcmp (sw->e[i].value, header, n) == 0)
        return sw->e[i].index;
  ws_strbuf_init (&lc);
  ws_strbuf_set_lower (&lc, header);
  k = software_index (lc.str);
  ws_strbuf_clear (&lc);
  if (memo)
    {
      unsigned i = sw->next++ % WS_SW_MEMO;
      sw->e[i].len = (uint16_t) n;
      sw->e[i].index = (int8_t) k;
      memcpy (sw->e[i].value, header, n);
    }
  return k;
}

const ws_software *
ws_software_of (ws_sw_memo *memo, const char *header)
{
  int k = software_of (memo, header);

  return k < 0 ? NULL : &known_software[k].sw;
}

/* Does the Server header hold needle (in lower case), in any ASCII case? */
bool
server_says (diag *d, const char *needle)
{
  if (!d->server_lc_made)
    {
      if (d->c->server_header)
        ws_strbuf_set_lower (&d->server_lc, d->c->server_header);
      d->server_lc_made = true;
    }
  return strstr (d->server_lc.str, needle) != NULL;
}

/* The evidence line "<lead><software><header><value>)" (header being like
 * " (Server: "), when the software and the header are both known. */
static void
software_evidence (diag *d, const char *lead, const char *software, const char *header,
                   const char *value, int64_t ts_us)
{
  ws_strbuf t;

  if (!software || !value || !evidence_room (d))
    return;
  ws_strbuf_init (&t);
  ws_strbuf_add_str (&t, lead);
  ws_strbuf_add_str (&t, ws_tr (software));
  ws_strbuf_add_str (&t, header);
  ws_cause_add_wire (&t, value);
  WS_STRBUF_LIT (&t, ")");
  ws_cause_add_built (d->k, ts_us, &t);
}

void
library_evidence (diag *d)
{
  const ws_conn *c = d->c;
  for (int s = 0; s < 2; s++)
    {
      const ws_close_info *ci = &c->close[s];
      const char *note = NULL;
      const char *lib = ci->seen ? ws_reason_library (ci->reason, &note) : NULL;
      if (!lib)
        continue;
      char r[112];
      ws_short_close_reason (r, sizeof r, ci, 80);
      EV (d, ci->ts_us, "the %s's close reason \"%s\" is the wording of %s%s%s",
          side_str ((ws_side) s), r, lib, note ? ": " : "", note ? ws_tr (note) : "");
    }

  software_evidence (d, ws_tr ("client software: "), d->ua_software, " (User-Agent: ",
                     c->user_agent, c->request_us);
  software_evidence (d, ws_tr ("server software: "), d->server_software, " (Server: ",
                     c->server_header, c->response_us);
}

