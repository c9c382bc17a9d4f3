/* redact.c - see redact.h.  Wire strings are untrusted: everything here
 * works on NUL-terminated copies already bounded by the handshake parser,
 * and never reads past them.
 */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "redact.h"

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

/* Query parameters that name a protocol version or encoding and carry no
 * secret: kept, because they tell which client and protocol spoke
 * (Engine.IO's EIO and transport, Phoenix's vsn). */
static gboolean
param_is_public (const char *name, size_t n)
{
  static const char *const names[] = {
    "EIO", "transport", "vsn", "v", "encoding", "format", "compress",
  };
  for (size_t i = 0; i < G_N_ELEMENTS (names); i++)
    if (strlen (names[i]) == n && memcmp (names[i], name, n) == 0)
      return TRUE;
  return FALSE;
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

  /* the query: every value, and a bare parameter that looks like a token */
  GString *o = out ? out : g_string_new_len (path, (gssize) plen);
  gboolean changed = out != NULL;
  g_string_append_c (o, '?');
  const char *p = q + 1;
  while (*p)
    {
      size_t n = strcspn (p, "&;");
      const char *eq = memchr (p, '=', n);
      if (eq)
        {
          g_string_append_len (o, p, eq - p + 1);
          if (param_is_public (p, (size_t) (eq - p)))
            g_string_append_len (o, eq + 1, (gssize) (n - (size_t) (eq - p + 1)));
          else if ((size_t) (eq - p + 1) < n)
            {
              g_string_append (o, WS_REDACTED);
              changed = TRUE;
            }
        }
      else if (is_opaque_token (p, n) || is_jwt (p, n))
        {
          g_string_append (o, WS_REDACTED);
          changed = TRUE;
        }
      else
        g_string_append_len (o, p, (gssize) n);
      p += n;
      if (*p)
        g_string_append_c (o, *p++);
    }
  if (!changed)
    {
      g_string_free (o, TRUE);
      return NULL;
    }
  return g_string_free (o, FALSE);
}

static gboolean
names_credential (const char *s, size_t n)
{
  static const char *const names[] = {
    "authorization", "access_token", "access-token", "bearer", "token", "auth",
    "jwt", "api_key", "apikey", "api-key", "x-auth-token",
  };
  for (size_t i = 0; i < G_N_ELEMENTS (names); i++)
    if (strlen (names[i]) == n && g_ascii_strncasecmp (s, names[i], n) == 0)
      return TRUE;
  return FALSE;
}

/* Length of a credential-announcing prefix that ends in a dot ("bearer.",
 * "base64url.bearer.authorization.k8s.io."), or 0. */
static size_t
credential_prefix (const char *s, size_t n)
{
  static const char *const prefixes[] = {
    "base64url.bearer.authorization.k8s.io.", "bearer.", "token.", "access_token.",
  };
  for (size_t i = 0; i < G_N_ELEMENTS (prefixes); i++)
    {
      size_t l = strlen (prefixes[i]);
      if (n > l && g_ascii_strncasecmp (s, prefixes[i], l) == 0)
        return l;
    }
  return 0;
}

char *
ws_redact_subprotocols (const char *list)
{
  if (!list)
    return NULL;
  GString *o = g_string_sized_new (strlen (list));
  gboolean changed = FALSE, after_name = FALSE;
  const char *p = list;
  while (*p)
    {
      /* keep the separators and blanks as they were */
      size_t sep = strspn (p, ", \t");
      g_string_append_len (o, p, (gssize) sep);
      p += sep;
      size_t n = strcspn (p, ", \t");
      if (!n)
        continue;
      size_t pre = credential_prefix (p, n);
      if (pre)
        {
          g_string_append_len (o, p, (gssize) pre);
          g_string_append (o, WS_REDACTED);
          changed = TRUE;
        }
      else if (after_name || is_jwt (p, n) || is_opaque_token (p, n))
        {
          g_string_append (o, WS_REDACTED);
          changed = TRUE;
        }
      else
        g_string_append_len (o, p, (gssize) n);
      after_name = names_credential (p, n);
      p += n;
    }
  if (!changed)
    {
      g_string_free (o, TRUE);
      return NULL;
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
