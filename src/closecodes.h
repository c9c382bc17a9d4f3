/* closecodes.h - the knowledge base: what each close code and each handshake
 * failure means, who sends it, when you see it, and how to fix it.  The
 * entries are data kept in one table (closecodes.c); this is their API.
 */
#ifndef WS_CLOSECODES_H
#define WS_CLOSECODES_H

#include <glib.h>
#include <stdbool.h>

typedef struct {
  int code;                 /* close code, or 0 for a handshake entry */
  const char *key;          /* "1006", "3000-3999", "handshake-401", ... */
  const char *name;         /* "Abnormal Closure" */
  const char *meaning;
  const char *sent_by;      /* who normally sends it */
  const char *when;         /* when you see it */
  const char *fix;          /* how to fix it */
  bool on_wire;             /* may appear in a close frame */
  int last;                 /* a range's last code (code is its first); 0:
                             * not a range */
} ws_code_info;

/* A code a subprotocol defines (4000-4999), with the subprotocol's name as
 * negotiated in Sec-WebSocket-Protocol. */
typedef struct {
  const char *protocol;
  ws_code_info info;
} ws_subproto_code;

/* The meaning protocol (NULL: any) gives code, or NULL. */
const ws_code_info *ws_code_subproto (const char *protocol, int code);
/* All subprotocol codes; returns the count. */
size_t ws_code_subproto_all (const ws_subproto_code **out);

/* Close codes a peer may send (RFC 6455 7.4.1/7.4.2 and the IANA registry):
 * 1000-1003, 1007-1014, 3000-4999.  What the frame parser checks each close
 * frame against; the table's on_wire says the same per entry. */
static inline bool
ws_close_code_valid_on_wire (int code)
{
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
         || (code >= 3000 && code <= 4999);
}

/* Entry for a close code: an exact entry, else the range it falls in (the
 * registered 3000-3999, private 4000-4999, invalid ranges).  Never NULL. */
const ws_code_info *ws_code_lookup (int code);

/* Entry by key for handshake failures ("handshake-403", "handshake-accept",
 * "handshake-extension", "handshake-subprotocol", ...); NULL when unknown. */
const ws_code_info *ws_code_lookup_key (const char *key);

/* Key of the handshake entry for an HTTP status ("handshake-403",
 * "handshake-5xx", "handshake-other", ...); never NULL. */
const char *ws_code_handshake_key (int http_status);

/* All entries, for listing; returns the count. */
size_t ws_code_all (const ws_code_info **out);

/* The entry ARG names for --explain: a close code ("1010"), an HTTP status
 * of a failed handshake ("403", read as such for 100-599) or a key
 * ("handshake-accept", "4000-4999").  NULL with error set when it names
 * nothing; *number (may be NULL) gets the number given, or -1. */
const ws_code_info *ws_code_resolve (const char *arg, long *number, GError **error);

/* Text for `wsclosed --explain ARG` (a code like "1010", or a handshake key,
 * or an HTTP status like "403").  Returns a g_malloc'd string, or NULL and
 * sets error when ARG names nothing. */
char *ws_code_explain (const char *arg, GError **error);

/* Append "title\n" (unless title is NULL) and text wrapped at 78 columns,
 * indented by two: one section of an --explain page. */
void ws_explain_section (GString *out, const char *title, const char *text);

#endif
