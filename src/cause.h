/* cause.h - the cause of a connection's end as the diagnosis fills it: an
 * id, a detail, a confidence, a fix, and evidence lines with timestamps
 * (the ws_cause of the record, see conn.h).  The record frees its cause
 * through ws_cause_clear; the diagnosis (diagnose.c and the rule files)
 * fills it through the rest.
 */
#ifndef WS_CAUSE_H
#define WS_CAUSE_H

#include "record.h"
#include "strbuf.h"

/* Evidence lines kept per cause; more are dropped. */
#define WS_CAUSE_MAX_EVIDENCE 48

/* Free what the cause holds; it is then empty (id NULL).  NULL is fine. */
void ws_cause_clear (ws_cause *cause);

/* Append one evidence line (ts_us 0 for none), formatted as printf would. */
void ws_cause_add_evidence (ws_cause *cause, int64_t ts_us, const char *fmt, ...)
  G_GNUC_PRINTF (3, 4);

/* Is there room for one more evidence line? */
static inline bool
ws_cause_has_room (const ws_cause *cause)
{
  return !cause->evidence || cause->evidence->len < WS_CAUSE_MAX_EVIDENCE;
}

/* Append the line built in t (which is then cleared).  The lines every
 * record gets are built piece by piece: parsing a format for them costs
 * more than the rest of their making. */
void ws_cause_add_built (ws_cause *cause, int64_t ts_us, ws_strbuf *t);

/* Append s, a value from the wire (path, host, header) to a line built
 * piece by piece, isolated from the sentence around it when the text is
 * right-to-left (ws_i18n_isolating). */
void ws_cause_add_wire (ws_strbuf *t, const char *s);

/* Set the id, detail, confidence and fix (detail and fix copied; id and
 * confidence static strings), and empty lead, the first part of the
 * summary, for the caller to write; ws_cause_set writes it from lead_fmt. */
void ws_cause_set_fields (ws_cause *cause, ws_strbuf *lead, const char *id,
                          const char *detail, const char *confidence, const char *fix);
void ws_cause_set (ws_cause *cause, ws_strbuf *lead, const char *id, const char *detail,
                   const char *confidence, const char *fix, const char *lead_fmt, ...)
  G_GNUC_PRINTF (7, 8);

/* One clause of a list in t ("; " before it unless it is the first),
 * its format translated as the sentences above are. */
void ws_cause_clause (ws_strbuf *t, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

/* Replace the detail (copied; NULL for none). */
void ws_cause_set_detail (ws_cause *cause, const char *detail);
/* Set the summary to a copy of s[0..len). */
void ws_cause_set_summary (ws_cause *cause, const char *s, size_t len);

/* Lower the confidence to "medium" or "low"; never raises it. */
void ws_cause_lower_confidence (ws_cause *cause, const char *to);
/* The evidence in time order (stable; a line without a moment stays after
 * the line before it).  The last step of a diagnosis. */
void ws_cause_sort_evidence (ws_cause *cause);

#endif
