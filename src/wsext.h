/* wsext.h - the Sec-WebSocket-Extensions grammar (RFC 6455 section 9.1) and
 * the permessage-deflate parameters of a server's response (RFC 7692
 * section 7.1).
 */
#ifndef WS_WSEXT_H
#define WS_WSEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Sec-WebSocket-Extensions = 1#extension; extension = name *( ";" param )
 * param = name [ "=" (token | quoted-string) ] */
#define WS_EXT_MAX 16
#define WS_EXT_MAX_PARAMS 8

/* The strings of a ws_ext live in its list's store until ws_ext_list_clear. */
typedef struct {
  char *name;
  size_t n_params;
  char *param_name[WS_EXT_MAX_PARAMS];
  char *param_value[WS_EXT_MAX_PARAMS]; /* NULL when the param has no value */
} ws_ext;

typedef struct {
  size_t n;
  ws_ext ext[WS_EXT_MAX]; /* the first n are set, the others are not */
  bool syntax_error;      /* something did not parse; what did is kept */
  char *store;            /* all the strings, or NULL: small_store, or
                           * g_malloc'd when they do not fit there */
  char small_store[128];  /* the usual value's strings, without an allocation */
} ws_ext_list;

/* Fills all of *out (which need not be initialised); free with
 * ws_ext_list_clear, which leaves an empty list. */
void ws_ext_parse (const char *value, ws_ext_list *out);
void ws_ext_list_clear (ws_ext_list *l);
/* index of the first extension with that name, or -1 */
int ws_ext_find (const ws_ext_list *l, const char *name);

/* permessage-deflate parameters from the server's accepted extension entry
 * (RFC 7692 section 7.1).  Fills the ws_pmd fields passed by pointer; returns
 * NULL when the response is valid, or a static string naming what RFC 7692
 * forbids (duplicate parameter, bad window bits value, client_max_window_bits
 * in the response when the client did not offer it, unknown parameter). */
struct ws_pmd_out {
  bool server_no_context_takeover, client_no_context_takeover;
  int server_max_window_bits, client_max_window_bits;
};
const char *ws_pmd_from_response (const ws_ext *accepted, const ws_ext_list *offered,
                                  struct ws_pmd_out *out);

/* permessage-deflate as negotiated (RFC 7692 section 7). */
typedef struct {
  bool enabled;
  bool server_no_context_takeover;
  bool client_no_context_takeover;
  int server_max_window_bits;  /* 8..15, 15 when absent */
  int client_max_window_bits;  /* 8..15, 15 when absent */
} ws_pmd;

#endif
