/* Redaction of secrets in paths, subprotocol lists and headers. */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "redact.h"

#define JWT "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX2hlcmU"

/* want NULL: nothing to redact */
static void
path_is (const char *in, const char *want)
{
  g_autofree char *got = ws_redact_path (in);
  g_assert_cmpstr (got, ==, want);
}

static void
test_path (void)
{
  path_is ("/ws", NULL);
  path_is ("/", NULL);
  path_is ("/ws?", NULL);
  path_is ("/ws?token=abc", "/ws?token=REDACTED");
  path_is ("/ws?token=abc&room=7", "/ws?token=REDACTED&room=REDACTED");
  path_is ("/ws?a=1;b=2", "/ws?a=REDACTED;b=REDACTED");
  path_is ("/ws?flag&x=", NULL);
  path_is ("/ws?empty=&t=1", "/ws?empty=&t=REDACTED");
  path_is ("/ws?&&t=1", "/ws?&&t=REDACTED");
  path_is ("/socket/" JWT "/live", "/socket/REDACTED/live");
  path_is ("/" JWT "?v=2", "/REDACTED?v=2");
  path_is ("/" JWT "?room=2", "/REDACTED?room=REDACTED");
  path_is ("/ws?0123456789abcdef0123456789abcdef", "/ws?REDACTED");
  path_is ("/ws?short", NULL);
  path_is ("/socket.io/?EIO=4&transport=websocket", NULL);
  path_is ("/socket.io/?EIO=4&transport=websocket&token=x", "/socket.io/?EIO=4&transport=websocket&token=REDACTED");
  path_is ("/socket/websocket?vsn=2.0.0&t=abc", "/socket/websocket?vsn=2.0.0&t=REDACTED");
  path_is ("//a//", NULL);
  g_assert_null (ws_redact_path (NULL));
}

static void
protos_is (const char *in, const char *want)
{
  g_autofree char *got = ws_redact_subprotocols (in);
  g_assert_cmpstr (got, ==, want);
}

static void
test_subprotocols (void)
{
  protos_is ("graphql-transport-ws", NULL);
  protos_is ("chat, superchat", NULL);
  protos_is ("chat, " JWT, "chat, REDACTED");
  protos_is ("access_token, abc123", "access_token, REDACTED");
  protos_is ("Authorization,Bearer-less-value", "Authorization,REDACTED");
  protos_is ("base64url.bearer.authorization.k8s.io.ZXlKaGJHY2lPaUpT, base64.binary.k8s.io",
             "base64url.bearer.authorization.k8s.io.REDACTED, base64.binary.k8s.io");
  protos_is ("v1, 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
             "v1, REDACTED");
  protos_is ("  , ,", NULL);
  g_assert_null (ws_redact_subprotocols (NULL));
}

static void
test_headers (void)
{
  g_autofree char *a = ws_redact_header ("Authorization", "Bearer abc.def");
  g_assert_cmpstr (a, ==, "Bearer REDACTED");
  g_autofree char *b = ws_redact_header ("authorization", "opaque");
  g_assert_cmpstr (b, ==, "REDACTED");
  g_autofree char *c = ws_redact_header ("Cookie", "sid=1; theme=dark; flag");
  g_assert_cmpstr (c, ==, "sid=REDACTED; theme=REDACTED; flag");
  g_autofree char *d = ws_redact_header ("X-Api-Key", "k");
  g_assert_cmpstr (d, ==, "REDACTED");
  g_assert_null (ws_redact_header ("User-Agent", "curl/8"));
  g_assert_null (ws_redact_header (NULL, "x"));
}

/* Random bytes never crash and never lengthen a value by more than the
 * marker per redacted piece. */
static void
test_random (void)
{
  GRand *r = g_rand_new_with_seed (7);
  for (int i = 0; i < 20000; i++)
    {
      char buf[64];
      int n = g_rand_int_range (r, 0, (int) sizeof buf);
      for (int k = 0; k < n; k++)
        buf[k] = "a=&?;/,. eyJ0123456789_-"[g_rand_int_range (r, 0, 24)];
      buf[n] = '\0';
      g_autofree char *p = ws_redact_path (buf);
      g_autofree char *s = ws_redact_subprotocols (buf);
      g_autofree char *h = ws_redact_header ("Cookie", buf);
      if (p)
        g_assert_cmpuint (strlen (p), <=, (size_t) n * (1 + strlen (WS_REDACTED)));
      if (s)
        g_assert_cmpuint (strlen (s), <=, (size_t) n * (1 + strlen (WS_REDACTED)));
      g_assert_nonnull (h);
    }
  g_rand_free (r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/redact/path", test_path);
  g_test_add_func ("/redact/subprotocols", test_subprotocols);
  g_test_add_func ("/redact/headers", test_headers);
  g_test_add_func ("/redact/random", test_random);
  return g_test_run ();
}
