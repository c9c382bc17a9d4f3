/* redact.c - see redact.h.  Wire strings are untrusted: everything here
 * works on NUL-terminated copies already bounded by the handshake parser,
 * and never reads past them.
 *
 * A wstunnel tunnel request (wstunnel 7 to 10, src/tunnel/...: the client
 * sends "Sec-WebSocket-Protocol: v1, authorization.bearer.<JWT>") is a JWT
 * signed with HMAC-SHA256 under a key built into wstunnel's source
 * ("champignonfrais"), the same for every user: whoever can read the
 * capture can make one, so it is no secret, and what it says (which
 * protocol to which host and port) is the most useful fact about such a
 * connection.  A token is kept only when its signature verifies with that
 * key; anything else that looks like a token is redacted.
 *
 *   authorization.bearer.eyJ0eXAi...J9.eyJpZCI6Ij...fQ.FsquetBp...
 *                        \_ header _/ \_ payload _/ \_ signature: base64url
 *                                                      HMAC-SHA256 of
 *                                                      "header.payload" _/
 *   payload: {"id":"<uuid>","p":"Tcp" or {"Udp":{...}},"r":"<host>","rp":<port>}
 */
#include "config.h"

#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "redact.h"

static const char WSTUNNEL_KEY[] = "champignonfrais";
/* the largest JWT part decoded (wstunnel's payload is about 100 bytes) */
#define JWT_PART_MAX 1024

/* base64url without padding (a trailing '=' is tolerated) of s[0..n) into
 * out (room for cap bytes): the length, or -1 when it is not base64url or
 * does not fit. */
static gssize
b64url_decode (const char *s, size_t n, uint8_t *out, size_t cap)
{
  while (n > 0 && s[n - 1] == '=')
    n--;
  if (n % 4 == 1 || n / 4 * 3 + 2 > cap)
    return -1;
  uint32_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < n; i++)
    {
      char c = s[i];
      int v;
      if (c >= 'A' && c <= 'Z')
        v = c - 'A';
      else if (c >= 'a' && c <= 'z')
        v = c - 'a' + 26;
      else if (c >= '0' && c <= '9')
        v = c - '0' + 52;
      else if (c == '-')
        v = 62;
      else if (c == '_')
        v = 63;
      else
        return -1;
      acc = (acc << 6) | (uint32_t) v;
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          out[o++] = (uint8_t) (acc >> bits);
        }
    }
  /* the bits left over must be zero: one string per value, or a signature
   * with its last character changed would still verify */
  if (acc & ((1u << bits) - 1))
    return -1;
  return (gssize) o;
}

/* A small reader of the JWT's JSON (decoded, untrusted, bounded). */
typedef struct {
  const char *p, *end;
} js;

static void
js_ws (js *j)
{
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    j->p++;
}

static gboolean
js_lit (js *j, char c)
{
  js_ws (j);
  if (j->p < j->end && *j->p == c)
    {
      j->p++;
      return TRUE;
    }
  return FALSE;
}

/* A string into out (cap bytes with the NUL; NULL to skip it): escapes
 * decoded, a \u escape beyond ASCII or a control character fails it. */
static gboolean
js_string (js *j, char *out, size_t cap)
{
  size_t o = 0;
  if (!js_lit (j, '"'))
    return FALSE;
  while (j->p < j->end && *j->p != '"')
    {
      unsigned char c = (unsigned char) *j->p++;
      if (c < 0x20)
        return FALSE;
      if (c == '\\')
        {
          if (j->p >= j->end)
            return FALSE;
          char e = *j->p++;
          switch (e)
            {
            case '"': case '\\': case '/': c = (unsigned char) e; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u':
              {
                if (j->end - j->p < 4)
                  return FALSE;
                unsigned v = 0;
                for (int k = 0; k < 4; k++)
                  {
                    int d = g_ascii_xdigit_value (j->p[k]);
                    if (d < 0)
                      return FALSE;
                    v = v << 4 | (unsigned) d;
                  }
                j->p += 4;
                if (v == 0 || v > 0x7f)
                  return FALSE;
                c = (unsigned char) v;
                break;
              }
            default:
              return FALSE;
            }
        }
      if (out)
        {
          if (o + 1 >= cap)
            return FALSE;
          out[o++] = (char) c;
        }
    }
  if (j->p >= j->end)
    return FALSE;
  j->p++;
  if (out)
    out[o] = '\0';
  return TRUE;
}

/* Skips any value, nested at most depth deep. */
static gboolean
js_skip (js *j, int depth)
{
  js_ws (j);
  if (j->p >= j->end || depth <= 0)
    return FALSE;
  char c = *j->p;
  if (c == '"')
    return js_string (j, NULL, 0);
  if (c == '{' || c == '[')
    {
      char close = c == '{' ? '}' : ']';
      j->p++;
      if (js_lit (j, close))
        return TRUE;
      do
        {
          if (c == '{' && (!js_string (j, NULL, 0) || !js_lit (j, ':')))
            return FALSE;
          if (!js_skip (j, depth - 1))
            return FALSE;
        }
      while (js_lit (j, ','));
      return js_lit (j, close);
    }
  /* a number, true, false, null */
  const char *s = j->p;
  while (j->p < j->end && (g_ascii_isalnum (*j->p) || strchr ("+-.", *j->p)))
    j->p++;
  return j->p > s;
}

/* A non-negative integer up to max. */
static gboolean
js_uint (js *j, unsigned max, unsigned *v)
{
  js_ws (j);
  const char *s = j->p;
  unsigned n = 0;
  while (j->p < j->end && g_ascii_isdigit (*j->p))
    {
      n = n * 10 + (unsigned) (*j->p++ - '0');
      if (n > max)
        return FALSE;
    }
  *v = n;
  return j->p > s && j->p - s <= 5;
}

static gboolean
is_name (const char *s)
{
  if (!*s)
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && *s != '_')
      return FALSE;
  return TRUE;
}

/* A host name or address as a client would give it: printable ASCII, no
 * blank, no quote. */
static gboolean
is_host (const char *s)
{
  if (!*s)
    return FALSE;
  for (; *s; s++)
    if (*s <= ' ' || *s > '~' || *s == '"' || *s == '\\')
      return FALSE;
  return TRUE;
}

/* wstunnel's claims: {"id":..,"p":"Tcp" | {"Tcp":{..}},"r":host,"rp":port} */
static gboolean
wstunnel_claims (const uint8_t *d, size_t n, ws_tunnel_request *out)
{
  js j = { (const char *) d, (const char *) d + n };
  char key[16], host[256];
  gboolean have_p = FALSE, have_r = FALSE;
  unsigned port = 0;
  gboolean have_port = FALSE;
  if (!js_lit (&j, '{'))
    return FALSE;
  if (js_lit (&j, '}'))
    return FALSE;
  do
    {
      if (!js_string (&j, key, sizeof key))
        {
          /* a long key: not one of ours, skipped with its value */
          return FALSE;
        }
      if (!js_lit (&j, ':'))
        return FALSE;
      if (strcmp (key, "p") == 0)
        {
          js_ws (&j);
          if (j.p < j.end && *j.p == '{')
            {
              /* an enum variant with fields: its name is the one key */
              j.p++;
              if (!js_string (&j, out->protocol, sizeof out->protocol) || !js_lit (&j, ':')
                  || !js_skip (&j, 8) || !js_lit (&j, '}'))
                return FALSE;
            }
          else if (!js_string (&j, out->protocol, sizeof out->protocol))
            return FALSE;
          have_p = is_name (out->protocol);
        }
      else if (strcmp (key, "r") == 0)
        {
          if (!js_string (&j, host, sizeof host))
            return FALSE;
          have_r = is_host (host);
        }
      else if (strcmp (key, "rp") == 0)
        {
          if (!js_uint (&j, 65535, &port))
            return FALSE;
          have_port = TRUE;
        }
      else if (!js_skip (&j, 8))
        return FALSE;
    }
  while (js_lit (&j, ','));
  if (!js_lit (&j, '}') || !have_p || !have_r)
    return FALSE;
  js_ws (&j);
  if (j.p != j.end)
    return FALSE;
  if (!have_port)
    g_snprintf (out->remote, sizeof out->remote, "%s", host);
  else if (strchr (host, ':'))
    g_snprintf (out->remote, sizeof out->remote, "[%s]:%u", host, port);
  else
    g_snprintf (out->remote, sizeof out->remote, "%s:%u", host, port);
  return TRUE;
}

/* Whether s[0..n) is a JWT signed with HMAC-SHA256 under wstunnel's key
 * (header {"alg":"HS256",..}); out, when not NULL, gets its claims (FALSE
 * when they are not wstunnel's). */
static gboolean
wstunnel_token (const char *s, size_t n, ws_tunnel_request *out)
{
  const char *d1 = memchr (s, '.', n);
  const char *d2 = d1 ? memchr (d1 + 1, '.', n - (size_t) (d1 + 1 - s)) : NULL;
  if (!d2 || memchr (d2 + 1, '.', n - (size_t) (d2 + 1 - s)))
    return FALSE;
  uint8_t buf[JWT_PART_MAX], sig[40];
  gssize hl = b64url_decode (s, (size_t) (d1 - s), buf, sizeof buf);
  if (hl <= 0)
    return FALSE;
  /* the header: alg must be HS256 */
  js j = { (const char *) buf, (const char *) buf + hl };
  char key[8], alg[16] = "";
  if (!js_lit (&j, '{'))
    return FALSE;
  do
    {
      if (!js_string (&j, key, sizeof key) || !js_lit (&j, ':'))
        return FALSE;
      if (strcmp (key, "alg") == 0)
        {
          if (!js_string (&j, alg, sizeof alg))
            return FALSE;
        }
      else if (!js_skip (&j, 4))
        return FALSE;
    }
  while (js_lit (&j, ','));
  if (!js_lit (&j, '}') || strcmp (alg, "HS256") != 0)
    return FALSE;
  gssize sl = b64url_decode (d2 + 1, n - (size_t) (d2 + 1 - s), sig, sizeof sig);
  if (sl != 32)
    return FALSE;
  uint8_t mac[32];
  gsize ml = sizeof mac;
  GHmac *h = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) WSTUNNEL_KEY,
                         sizeof WSTUNNEL_KEY - 1);
  g_hmac_update (h, (const guchar *) s, (gssize) (d2 - s));
  g_hmac_get_digest (h, mac, &ml);
  g_hmac_unref (h);
  if (ml != 32 || memcmp (mac, sig, 32) != 0)
    return FALSE;
  if (!out)
    return TRUE;
  gssize pl = b64url_decode (d1 + 1, (size_t) (d2 - d1 - 1), buf, sizeof buf);
  return pl > 0 && wstunnel_claims (buf, (size_t) pl, out);
}

/* Length of the "authorization.bearer." prefix wstunnel puts before its
 * token, or 0. */
static size_t
wstunnel_prefix (const char *s, size_t n)
{
  static const char pre[] = "authorization.bearer.";
  size_t l = sizeof pre - 1;
  return n > l && g_ascii_strncasecmp (s, pre, l) == 0 ? l : 0;
}

/* A JSON Web Token: base64url header starting with {" (eyJ), two dots. */
static gboolean
is_jwt (const char *s, size_t n)
{
  if (n < 20 || strncmp (s, "eyJ", 3) != 0)
    return FALSE;
  int dots = 0;
  for (size_t i = 0; i < n; i++)
    {
      char c = s[i];
      if (c == '.')
        dots++;
      else if (!g_ascii_isalnum (c) && c != '-' && c != '_' && c != '=')
        return FALSE;
    }
  return dots == 2;
}

/* A long run of token characters (API keys, opaque session tokens). */
static gboolean
is_opaque_token (const char *s, size_t n)
{
  if (n < 32)
    return FALSE;
  int digits = 0;
  for (size_t i = 0; i < n; i++)
    {
      char c = s[i];
      if (g_ascii_isdigit (c))
        digits++;
      else if (!g_ascii_isalpha (c) && !strchr ("-_.+/=~", c))
        return FALSE;
    }
  return digits > 0;
}

/* A literal with its length. */
typedef struct {
  const char *s;
  size_t n;
} lit;
#define LIT(s) { s, sizeof (s) - 1 }

/* Query parameters that name a protocol version or encoding and carry no
 * secret: kept, because they tell which client and protocol spoke
 * (Engine.IO's EIO and transport, Phoenix's vsn). */
static gboolean
param_is_public (const char *name, size_t n)
{
  static const lit names[] = {
    LIT ("EIO"), LIT ("transport"), LIT ("vsn"), LIT ("v"), LIT ("encoding"), LIT ("format"),
    LIT ("compress"),
  };
  for (size_t i = 0; i < G_N_ELEMENTS (names); i++)
    if (names[i].n == n && memcmp (names[i].s, name, n) == 0)
      return TRUE;
  return FALSE;
}

/* The query p (after its '?'): every value of a parameter that is not
 * public, and a bare parameter that looks like a token, is a secret.
 * Appended to o with each secret redacted; with o NULL, only whether
 * there is one (the usual query has none: no copy made). */
static gboolean
redact_query (const char *p, GString *o)
{
  gboolean changed = FALSE;
  while (*p)
    {
      size_t n = strcspn (p, "&;");
      const char *eq = memchr (p, '=', n);
      gboolean secret = eq ? !param_is_public (p, (size_t) (eq - p))
                               && (size_t) (eq - p + 1) < n
                           : is_opaque_token (p, n) || is_jwt (p, n);
      if (secret && !o)
        return TRUE;
      changed |= secret;
      if (o && secret)
        {
          if (eq)
            g_string_append_len (o, p, eq - p + 1);
          g_string_append (o, WS_REDACTED);
        }
      else if (o)
        g_string_append_len (o, p, (gssize) n);
      p += n;
      if (*p)
        {
          if (o)
            g_string_append_c (o, *p);
          p++;
        }
    }
  return changed;
}

char *
ws_redact_path (const char *path)
{
  if (!path)
    return NULL;
  const char *q = strchr (path, '?');
  GString *out = NULL;
  /* segments of the path proper */
  size_t plen = q ? (size_t) (q - path) : strlen (path);
  for (size_t i = 0; i < plen;)
    {
      size_t j = i;
      while (j < plen && path[j] != '/')
        j++;
      if (is_jwt (path + i, j - i))
        {
          if (!out)
            out = g_string_new_len (path, (gssize) i);
          g_string_append (out, WS_REDACTED);
        }
      else if (out)
        g_string_append_len (out, path + i, (gssize) (j - i));
      if (j < plen)
        {
          if (out)
            g_string_append_c (out, '/');
          j++;
        }
      i = j;
    }
  if (!q)
    return out ? g_string_free (out, FALSE) : NULL;
  /* the usual query holds nothing to redact: looked at first without
   * building a copy */
  if (!out && !redact_query (q + 1, NULL))
    return NULL;
  GString *o = out ? out : g_string_new_len (path, (gssize) plen);
  g_string_append_c (o, '?');
  redact_query (q + 1, o);
  return g_string_free (o, FALSE);
}

/* An opaque token in a subprotocol list; a dotted name made of short words
 * (v1.kernel.websocket.jupyter.org) is a protocol name, not a token. */
static gboolean
opaque_in_list (const char *s, size_t n)
{
  if (!is_opaque_token (s, n))
    return FALSE;
  size_t run = 0, longest = 0;
  for (size_t i = 0; i < n; i++)
    {
      run = s[i] == '.' ? 0 : run + 1;
      longest = MAX (longest, run);
    }
  return longest >= 20;
}

static gboolean
names_credential (const char *s, size_t n)
{
  static const lit names[] = {
    LIT ("authorization"), LIT ("access_token"), LIT ("access-token"), LIT ("bearer"),
    LIT ("token"), LIT ("auth"), LIT ("jwt"), LIT ("api_key"), LIT ("apikey"),
    LIT ("api-key"), LIT ("x-auth-token"),
  };
  for (size_t i = 0; i < G_N_ELEMENTS (names); i++)
    if (names[i].n == n && g_ascii_strncasecmp (s, names[i].s, n) == 0)
      return TRUE;
  return FALSE;
}

/* Length of a credential-announcing prefix that ends in a dot ("bearer.",
 * "base64url.bearer.authorization.k8s.io."), or 0. */
static size_t
credential_prefix (const char *s, size_t n)
{
  static const lit prefixes[] = {
    LIT ("base64url.bearer.authorization.k8s.io."), LIT ("authorization.bearer."),
    LIT ("bearer."), LIT ("token."), LIT ("access_token."),
  };
  for (size_t i = 0; i < G_N_ELEMENTS (prefixes); i++)
    if (n > prefixes[i].n && g_ascii_strncasecmp (s, prefixes[i].s, prefixes[i].n) == 0)
      return prefixes[i].n;
  return 0;
}

/* What to do with one entry of a subprotocol list: keep it (0), or
 * redact what follows its first *keep bytes (1). */
static gboolean
entry_redacted (const char *p, size_t n, gboolean after_name, size_t *keep)
{
  size_t pre = credential_prefix (p, n);
  *keep = pre;
  if (wstunnel_token (p + pre, n - pre, NULL))
    return FALSE; /* signed with a public key: no secret */
  return pre || after_name || is_jwt (p, n) || opaque_in_list (p, n);
}

char *
ws_redact_subprotocols (const char *list)
{
  if (!list)
    return NULL;
  /* the usual list holds no secret: looked at without building a copy */
  gboolean after_name = FALSE;
  const char *p = list;
  size_t keep;
  for (;;)
    {
      p += strspn (p, ", \t");
      size_t n = strcspn (p, ", \t");
      if (!n)
        return NULL;
      if (entry_redacted (p, n, after_name, &keep))
        break;
      after_name = names_credential (p, n);
      p += n;
    }
  /* the entries before p are kept as they are, separators included */
  GString *o = g_string_sized_new (strlen (list) + sizeof WS_REDACTED);
  g_string_append_len (o, list, p - list);
  while (*p)
    {
      size_t sep = strspn (p, ", \t");
      g_string_append_len (o, p, (gssize) sep);
      p += sep;
      size_t n = strcspn (p, ", \t");
      if (!n)
        continue;
      if (entry_redacted (p, n, after_name, &keep))
        {
          g_string_append_len (o, p, (gssize) keep);
          g_string_append (o, WS_REDACTED);
        }
      else
        g_string_append_len (o, p, (gssize) n);
      after_name = names_credential (p, n);
      p += n;
    }
  return g_string_free (o, FALSE);
}

char *
ws_redact_header (const char *name, const char *value)
{
  if (!name || !value)
    return NULL;
  if (g_ascii_strcasecmp (name, "authorization") == 0
      || g_ascii_strcasecmp (name, "proxy-authorization") == 0)
    {
      /* keep the scheme: "Bearer", "Basic" tell a reader what was used */
      size_t n = strcspn (value, " ");
      if (value[n] == ' ')
        return g_strdup_printf ("%.*s %s", (int) n, value, WS_REDACTED);
      return g_strdup (WS_REDACTED);
    }
  if (g_ascii_strcasecmp (name, "cookie") == 0 || g_ascii_strcasecmp (name, "set-cookie") == 0)
    {
      GString *o = g_string_new (NULL);
      const char *p = value;
      while (*p)
        {
          size_t n = strcspn (p, ";");
          const char *eq = memchr (p, '=', n);
          if (eq)
            {
              g_string_append_len (o, p, eq - p + 1);
              g_string_append (o, WS_REDACTED);
            }
          else
            g_string_append_len (o, p, (gssize) n);
          p += n;
          if (*p)
            g_string_append_c (o, *p++);
        }
      return g_string_free (o, FALSE);
    }
  static const char *const whole[] = {
    "x-api-key", "x-auth-token", "x-access-token", "x-csrf-token", "x-amz-security-token",
  };
  for (size_t i = 0; i < G_N_ELEMENTS (whole); i++)
    if (g_ascii_strcasecmp (name, whole[i]) == 0)
      return g_strdup (WS_REDACTED);
  return NULL;
}

gboolean
ws_tunnel_request_find (const char *list, ws_tunnel_request *out)
{
  if (!list || !strstr (list, "eyJ"))
    return FALSE; /* no JWT: the usual case, quickly */
  const char *p = list;
  while (*p)
    {
      p += strspn (p, ", \t");
      size_t n = strcspn (p, ", \t");
      if (!n)
        break;
      size_t pre = wstunnel_prefix (p, n);
      memset (out, 0, sizeof *out);
      if (wstunnel_token (p + pre, n - pre, out))
        {
          g_strlcpy (out->tool, "wstunnel", sizeof out->tool);
          return TRUE;
        }
      p += n;
    }
  return FALSE;
}
