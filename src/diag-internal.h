/* diag-internal.h - what the files of the diagnosis share (diagnose.c, the
 * rules-*.c files, timeline.c, software.c): the context of one diagnosis,
 * the helpers that write its cause, and the functions they call across
 * files (declared here only, so that this header includes none of theirs).
 * Not for use outside the diagnosis.
 */
#ifndef WS_DIAG_INTERNAL_H
#define WS_DIAG_INTERNAL_H

#include <string.h>

#include "cause.h"
#include "closecodes.h"
#include "i18n.h"
#include "record.h"
#include "settings.h"
#include "strbuf.h"
#include "window.h"

#define US_PER_S 1000000LL

/* One diagnosis: the record, its window, the cause being filled and facts
 * worked out once. */
typedef struct diag {
  ws_conn *c;
  const ws_conn_index *ix;  /* the window, NULL for none */
  ws_cause *k;
  bool no_evidence;       /* the report will not show it: not built */
  int code;               /* ws_conn_close_code */
  ws_side closer, other;  /* first close frame; other side of it */
  int64_t end_us;         /* first close frame, else first FIN/RST; 0 open */
  int64_t tcp_end_us;     /* first FIN/RST; 0 none */
  int64_t last_frame_us;  /* either direction; 0 none */
  const char *ua_software; /* the software the User-Agent, Server name */
  bool server_is_proxy;    /* the Server header names a proxy or load balancer */
  const char *server_software;
  ws_strbuf server_lc;    /* the Server header lower-cased ("" if none), */
  bool server_lc_made;    /* made at the first server_says only */
  ws_strbuf lead;         /* first part of the summary */
  ws_strbuf extra;        /* clauses appended to the summary */
} diag;

/* The side's name in a sentence of the diagnosis, in its language. */
static inline const char *
side_str (ws_side s)
{
  const char *n = ws_side_name (s);
  if (!ws_i18n_translating)
    return n ? n : "unknown side";
  return n ? C_ ("side", n) : C_ ("side", "unknown side");
}

/* An evidence line, unless the report will not show it: its arguments are
 * then not even evaluated.  Nothing in the diagnosis reads the lines back,
 * so the cause and its texts are the same either way. */
#define EV(d, ts, ...) \
  ((d)->no_evidence ? (void) 0 : ws_cause_add_evidence ((d)->k, (ts), __VA_ARGS__))
#define evidence_room(d) (!(d)->no_evidence && ws_cause_has_room ((d)->k))
#define set_cause(d, ...) ws_cause_set ((d)->k, &(d)->lead, __VA_ARGS__)
#define set_cause_fields(d, ...) ws_cause_set_fields ((d)->k, &(d)->lead, __VA_ARGS__)
/* A fixed piece of a line built piece by piece, in the run's language. */
#define TR_LIT(t, lit) \
  (ws_i18n_translating ? ws_strbuf_add_str ((t), ws_gettext (lit)) : WS_STRBUF_LIT ((t), lit))
#define set_detail(d, detail) ws_cause_set_detail ((d)->k, (detail))
#define lower_confidence(d, to) ws_cause_lower_confidence ((d)->k, (to))
/* A clause appended to the summary. */
#define add_extra(d, ...) ws_cause_clause (&(d)->extra, __VA_ARGS__)
/* Sentences of the diagnosis are English literals, translated at run time
 * in cause.c; am/i18n.am extracts them with these keywords: set_cause:5
 * (fix) and :6 (summary), set_cause_fields:5, EV:3, add_extra:2.  A literal
 * passed on some other way is marked N_() where it is written and
 * translated with ws_tr() (or _()) where it is used; the fixed words of a
 * line built piece by piece are written with _(). */

/* timeline.c */
/* The facts of the summary: how TCP ended; who sent which close frame and
 * whether it was echoed. */
void tcp_facts (const diag *d, ws_strbuf *s);
void close_facts (const diag *d, ws_strbuf *s);
/* The evidence line of one violation. */
void violation_evidence (diag *d, const ws_violation *v);
/* The timeline every record gets: handshake, frames, close frames, the TCP
 * teardown in order and the first violations. */
void timeline_evidence (diag *d);
/* What the capture missed (gaps, limits hit); lowers the confidence. */
void quality_evidence (diag *d);

/* The rules, by family (rules-*.c); diagnose.c orders them. */
/* A refused or failed opening handshake, or none answered: true when it
 * decided the cause. */
bool rule_handshake (diag *d);
/* The close frame of d->closer. */
void rule_close_code (diag *d);
/* A close frame, then TCP torn down without the echo. */
void failed_connection_check (diag *d);
/* TCP ended without a close frame. */
void rule_abnormal (diag *d);
/* Pings of the ender that went unanswered by a silent peer, then the end
 * (how: the way it ended, for the summary): keepalive_timeout whatever the
 * close looks like; true when it decided the cause. */
bool keepalive_from_timeline (diag *d, ws_side ender, int64_t t_end, const char *how);
/* rules-tls.c: a TLS connection that was not decrypted (kind tls); and,
 * for a decrypted wss connection, close_notify weighed against the TCP end
 * (an alert other than close_notify may decide the cause). */
void rule_tls (diag *d);
void tls_end_evidence (diag *d);
/* Reconnects and close storms in the window. */
void cross_connection (diag *d);

/* software.c */
/* Does the Server header hold needle (in lower case), in any ASCII case? */
bool server_says (diag *d, const char *needle);
/* Evidence lines naming the libraries behind close reasons and the software
 * in User-Agent and Server. */
void library_evidence (diag *d);

#endif
