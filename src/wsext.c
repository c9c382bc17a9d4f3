/* wsext.c - the Sec-WebSocket-Extensions header (RFC 6455 section 9.1)
 * and the rules a server's permessage-deflate response must follow (RFC 7692
 * section 7.1).
 *
 *   Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits,
 *                             x-webkit-deflate-frame
 *
 * The value is untrusted: every scan is bounded by the string's end, the
 * counts by WS_EXT_MAX and WS_EXT_MAX_PARAMS, and nothing recurses.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "http.h"
#include "wsext.h"

/* ---- Sec-WebSocket-Extensions (RFC 6455 section 9.1) --------------------- */

static size_t
skip_ows (const char *s, size_t i)
{
  while (ws_http_is_ows ((uint8_t) s[i]))
    i++;
  return i;
}

static size_t
scan_token (const char *s, size_t i)
{
  while (s[i] && ws_http_is_tchar ((uint8_t) s[i]))
    i++;
  return i;
}

/* After a syntax error: move past the next ',' that is not inside a
 * quoted-string, or to the end of the string. */
static size_t
skip_to_next_element (const char *s, size_t i)
{
  bool quoted = false;

  while (s[i])
    {
      if (quoted)
        {
          if (s[i] == '\\' && s[i + 1])
            i++;
          else if (s[i] == '"')
            quoted = false;
        }
      else if (s[i] == '"')
        quoted = true;
      else if (s[i] == ',')
        return i + 1;
      i++;
    }
  return i;
}

/* The strings of one ws_ext_list, in one allocation of strlen (value) + 1
 * bytes.  That is enough: each string copies or unescapes a stretch of the
 * value no shorter than itself, the stretches do not overlap, and each is
 * followed by a byte of the value or by its NUL, which pays for the copy's
 * NUL.  The checks below only guard that reasoning. */
typedef struct {
  char *buf;
  size_t used, cap;
} ext_store;

static char *
store_dup (ext_store *st, const char *p, size_t n)
{
  char *r;

  g_assert (n < st->cap - st->used);
  r = st->buf + st->used;
  memcpy (r, p, n);
  r[n] = '\0';
  st->used += n + 1;
  return r;
}

/* quoted-string at s[i] == '"'.  On success stores the unescaped text in
 * *out and returns the index after the closing quote; returns 0 when the
 * string is not terminated. */
static size_t
scan_quoted (const char *s, size_t i, ext_store *st, char **out)
{
  char *r = st->buf + st->used;
  size_t n = 0;

  for (i++; s[i]; i++)
    {
      if (s[i] == '"')
        {
          g_assert (n < st->cap - st->used);
          r[n] = '\0';
          st->used += n + 1;
          *out = r;
          return i + 1;
        }
      if (s[i] == '\\' && s[i + 1])
        i++;
      g_assert (n < st->cap - st->used);
      r[n++] = s[i];
    }
  return 0;
}

static bool
is_token_str (const char *v)
{
  size_t i;
  if (*v == 0)
    return false;
  for (i = 0; v[i]; i++)
    if (!ws_http_is_tchar ((uint8_t) v[i]))
      return false;
  return true;
}

/* One parameter, its ';' at s[*pos]: name, and a value as a token or a
 * quoted-string after '=', stored in st and kept in ext (NULL: an
 * extension beyond WS_EXT_MAX, parsed all the same).  True with *pos after
 * it; false, with *pos where it stopped parsing, when it does not parse. */
static bool
param_parse (const char *s, size_t *pos, ext_store *st, ws_ext *ext, bool *syntax_error)
{
  char *pname, *pval = NULL;
  size_t i = skip_ows (s, *pos + 1);
  size_t e = scan_token (s, i);

  *pos = i;
  if (e == i)
    return false;
  pname = store_dup (st, s + i, e - i);
  i = skip_ows (s, e);
  if (s[i] == '=')
    {
      i = skip_ows (s, i + 1);
      *pos = i;
      if (s[i] == '"')
        {
          e = scan_quoted (s, i, st, &pval);
          if (e == 0)
            return false;
          /* RFC 6455 9.1: the unescaped value must be a token */
          if (!is_token_str (pval))
            *syntax_error = true;
        }
      else
        {
          e = scan_token (s, i);
          if (e == i)
            return false;
          pval = store_dup (st, s + i, e - i);
        }
      i = skip_ows (s, e);
    }
  *pos = i;
  /* a parameter beyond what is kept still took its room in the store; the
   * bound of ext_store allows for it */
  if (ext && ext->n_params < WS_EXT_MAX_PARAMS)
    {
      ext->param_name[ext->n_params] = pname;
      ext->param_value[ext->n_params] = pval;
      ext->n_params++;
    }
  return true;
}

void
ws_ext_parse (const char *value, ws_ext_list *out)
{
  const char *s = value;
  size_t i = 0;
  ext_store st = { NULL, 0, 0 };

  /* only what is read is set: n, the flag, and ext[0..n) as they fill */
  out->n = 0;
  out->syntax_error = false;
  out->store = NULL;
  if (s == NULL || s[0] == '\0')
    return;
  st.cap = strlen (s) + 1;
  st.buf = out->store = st.cap <= sizeof out->small_store ? out->small_store
                                                           : g_malloc (st.cap);

  while (s[i])
    {
      ws_ext *ext = NULL;
      size_t e;
      bool bad = false;

      i = skip_ows (s, i);
      if (s[i] == ',')      /* empty list element: allowed by RFC 7230 7 */
        {
          i++;
          continue;
        }
      if (s[i] == 0)
        break;

      e = scan_token (s, i);
      if (e == i)
        {
          out->syntax_error = true;
          i = skip_to_next_element (s, i);
          continue;
        }
      if (out->n < WS_EXT_MAX)
        {
          ext = &out->ext[out->n++];
          ext->name = store_dup (&st, s + i, e - i);
          ext->n_params = 0;
        }
      i = skip_ows (s, e);

      while (s[i] == ';')
        if (!param_parse (s, &i, &st, ext, &out->syntax_error))
          {
            bad = true;
            break;
          }

      if (!bad && s[i] == ',')
        i++;
      else if (!bad && s[i] == 0)
        break;
      else
        {
          out->syntax_error = true;
          i = skip_to_next_element (s, i);
        }
    }
}

void
ws_ext_list_clear (ws_ext_list *l)
{
  if (l->store != l->small_store)
    g_free (l->store);
  l->store = NULL;
  l->n = 0;
  l->syntax_error = false;
}

int
ws_ext_find (const ws_ext_list *l, const char *name)
{
  size_t i;

  if (l == NULL || name == NULL)
    return -1;
  for (i = 0; i < l->n && i < WS_EXT_MAX; i++)
    if (l->ext[i].name && ws_ascii_caseeq (l->ext[i].name, name))
      return (int) i;
  return -1;
}

/* ---- permessage-deflate response (RFC 7692 section 7.1) ------------------ */

/* RFC 7692 7.1.2: 8..15, decimal, no leading zeroes */
static int
window_bits (const char *v)
{
  if (v == NULL)
    return -1;
  if (v[0] >= '8' && v[0] <= '9' && v[1] == 0)
    return v[0] - '0';
  if (v[0] == '1' && v[1] >= '0' && v[1] <= '5' && v[2] == 0)
    return 10 + (v[1] - '0');
  return -1;
}

static bool
offer_has_client_max_window_bits (const ws_ext_list *offered)
{
  size_t i, j;

  for (i = 0; i < offered->n && i < WS_EXT_MAX; i++)
    {
      const ws_ext *x = &offered->ext[i];
      if (x->name == NULL || !ws_ascii_caseeq (x->name, "permessage-deflate"))
        continue;
      for (j = 0; j < x->n_params && j < WS_EXT_MAX_PARAMS; j++)
        if (strcmp (x->param_name[j], "client_max_window_bits") == 0)
          return true;
    }
  return false;
}

#define FIRST(err, msg) do { if ((err) == NULL) (err) = (msg); } while (0)

/* The value of a server_ (or client_) max_window_bits parameter of a
 * response: 8..15, or -1 when it has none or another (*err says which,
 * unless it said something already). */
static int
response_window_bits (const char *v, bool server, const char **err)
{
  int bits;

  if (v == NULL)
    {
      FIRST (*err, server ? "server_max_window_bits without a value"
                          : "client_max_window_bits without a value");
      return -1;
    }
  bits = window_bits (v);
  if (bits < 0)
    FIRST (*err, server ? "server_max_window_bits value not 8..15"
                        : "client_max_window_bits value not 8..15");
  return bits;
}

const char *
ws_pmd_from_response (const ws_ext *accepted, const ws_ext_list *offered,
                      struct ws_pmd_out *out)
{
  const char *err = NULL;
  bool seen[4] = { false, false, false, false };
  size_t j;

  out->server_no_context_takeover = false;
  out->client_no_context_takeover = false;
  out->server_max_window_bits = 15;
  out->client_max_window_bits = 15;
  if (accepted == NULL)
    return NULL;

  for (j = 0; j < accepted->n_params && j < WS_EXT_MAX_PARAMS; j++)
    {
      const char *n = accepted->param_name[j];
      const char *v = accepted->param_value[j];
      int k, bits;

      /* parameter names are compared exactly, as clients do */
      if (strcmp (n, "server_no_context_takeover") == 0)
        k = 0;
      else if (strcmp (n, "client_no_context_takeover") == 0)
        k = 1;
      else if (strcmp (n, "server_max_window_bits") == 0)
        k = 2;
      else if (strcmp (n, "client_max_window_bits") == 0)
        k = 3;
      else
        {
          FIRST (err, "unknown permessage-deflate parameter");
          continue;
        }
      if (seen[k])
        {
          FIRST (err, "duplicate permessage-deflate parameter");
          continue;
        }
      seen[k] = true;

      switch (k)
        {
        case 0:
        case 1:
          if (v != NULL)
            {
              FIRST (err, k == 0 ? "server_no_context_takeover with a value"
                                 : "client_no_context_takeover with a value");
              break;
            }
          if (k == 0)
            out->server_no_context_takeover = true;
          else
            out->client_no_context_takeover = true;
          break;
        case 2:
          bits = response_window_bits (v, true, &err);
          if (bits >= 0)
            out->server_max_window_bits = bits;
          break;
        default:
          if (offered != NULL && !offer_has_client_max_window_bits (offered))
            {
              FIRST (err, "client_max_window_bits in the response but not offered");
              break;
            }
          bits = response_window_bits (v, false, &err);
          if (bits >= 0)
            out->client_max_window_bits = bits;
          break;
        }
    }
  return err;
}
