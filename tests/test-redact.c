/* Redaction of secrets in paths, subprotocol lists and headers. */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "redact.h"

#define JWT "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX2hlcmU"

/* A token wstunnel sent (Zeek's testing/btest/Traces/websocket/
 * wstunnel-http.pcap): HS256 under wstunnel's built-in key; its claims are
 * {"id":"018cfeab-f99d-70f7-96af-0e8ba696a1f6","p":"Tcp","r":"zeek.org","rp":80}
 * (checked with Python's hmac when the corpus was added). */
#define WSTUNNEL_JWT \
  "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9." \
  "eyJpZCI6IjAxOGNmZWFiLWY5OWQtNzBmNy05NmFmLTBlOGJhNjk2YTFmNiIsInAiOiJUY3AiLCJyIjoiemVl" \
  "ay5vcmciLCJycCI6ODB9." \
  "FsquetBp_jsIDzBslWyyTPlS2hcMprVuWmbT2r57N0A"
/* the same with one character of the signature changed */
#define FORGED_JWT \
  "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9." \
  "eyJpZCI6IjAxOGNmZWFiLWY5OWQtNzBmNy05NmFmLTBlOGJhNjk2YTFmNiIsInAiOiJUY3AiLCJyIjoiemVl" \
  "ay5vcmciLCJycCI6ODB9." \
  "FsquetBp_jsIDzBslWyyTPlS2hcMprVuWmbT2r58N0A"
/* ... its last character: the same 32 bytes when the 2 bits left over are
 * ignored, so a decoder that ignores them takes the forgery */
#define FORGED_JWT_TAIL \
  "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9." \
  "eyJpZCI6IjAxOGNmZWFiLWY5OWQtNzBmNy05NmFmLTBlOGJhNjk2YTFmNiIsInAiOiJUY3AiLCJyIjoiemVl" \
  "ay5vcmciLCJycCI6ODB9." \
  "FsquetBp_jsIDzBslWyyTPlS2hcMprVuWmbT2r57N0B"
/* ... and with its claims changed (to another remote), signature kept */
#define FORGED_CLAIMS_JWT \
  "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9." \
  "eyJpZCI6IjAxOGNmZWFiLWY5OWQtNzBmNy05NmFmLTBlOGJhNjk2YTFmNiIsInAiOiJUY3AiLCJyIjoiemVl" \
  "ay5vcmciLCJycCI6ODF9." \
  "FsquetBp_jsIDzBslWyyTPlS2hcMprVuWmbT2r57N0A"

/* base64url without padding */
static char *
b64url (const void *d, size_t n)
{
  char *s = g_base64_encode (d, n);
  for (char *p = s; *p; p++)
    if (*p == '+')
      *p = '-';
    else if (*p == '/')
      *p = '_';
    else if (*p == '=')
      *p = '\0';
  return s;
}

/* header.payload.signature, HMAC-SHA256 under key (GLib's, not the one
 * under test) */
static char *
sign (const char *header, const char *payload, size_t payload_len, const char *key)
{
  g_autofree char *h = b64url (header, strlen (header));
  g_autofree char *p = b64url (payload, payload_len);
  g_autofree char *hp = g_strconcat (h, ".", p, NULL);
  guint8 mac[32];
  gsize ml = sizeof mac;
  GHmac *hm = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) key, strlen (key));
  g_hmac_update (hm, (const guchar *) hp, -1);
  g_hmac_get_digest (hm, mac, &ml);
  g_hmac_unref (hm);
  g_autofree char *s = b64url (mac, ml);
  return g_strconcat (hp, ".", s, NULL);
}

#define HS256 "{\"typ\":\"JWT\",\"alg\":\"HS256\"}"

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
  /* queries with nothing to redact, and one thing at the end */
  path_is ("/ws?EIO=4&flag&v=;x=", NULL);
  path_is ("/ws?EIO=4&flag&v=;x=&", NULL);
  path_is ("/ws?EIO=4&flag&v=;x=&y=1", "/ws?EIO=4&flag&v=;x=&y=REDACTED");
  path_is ("/ws?EIO=4&" JWT, "/ws?EIO=4&REDACTED");
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
  /* dotted protocol names are names, however long */
  protos_is ("v1.kernel.websocket.jupyter.org", NULL);
  protos_is ("v5.channel.k8s.io, v4.channel.k8s.io, base64.channel.k8s.io", NULL);
  protos_is ("x-kaazing-handshake, sip, default-protocol", NULL);
}

/* wstunnel's tunnel requests are signed with a key anyone can read in its
 * source: kept whole, and what they ask for is told; any other token, one
 * with a wrong signature included, is redacted. */
static void
test_wstunnel (void)
{
  protos_is ("v1, authorization.bearer." WSTUNNEL_JWT, NULL);
  protos_is ("v1, authorization.bearer." FORGED_JWT, "v1, authorization.bearer.REDACTED");
  protos_is ("v1, authorization.bearer." FORGED_JWT_TAIL, "v1, authorization.bearer.REDACTED");
  protos_is ("v1, authorization.bearer." FORGED_CLAIMS_JWT, "v1, authorization.bearer.REDACTED");
  protos_is ("v1, " WSTUNNEL_JWT, NULL);
  protos_is ("v1, " FORGED_JWT, "v1, REDACTED");
  protos_is ("bearer, " WSTUNNEL_JWT, NULL);

  ws_tunnel_request t;
  g_assert_true (ws_tunnel_request_find ("v1, authorization.bearer." WSTUNNEL_JWT, &t));
  g_assert_cmpstr (t.tool, ==, "wstunnel");
  g_assert_cmpstr (t.protocol, ==, "Tcp");
  g_assert_cmpstr (t.remote, ==, "zeek.org:80");
  g_assert_false (ws_tunnel_request_find ("v1, authorization.bearer." FORGED_JWT, &t));
  g_assert_false (ws_tunnel_request_find ("v1", &t));
  g_assert_false (ws_tunnel_request_find (NULL, &t));

  /* the same claims under another key: a secret of someone else's */
  const char *claims = "{\"id\":\"x\",\"p\":\"Tcp\",\"r\":\"zeek.org\",\"rp\":80}";
  g_autofree char *other = sign (HS256, claims, strlen (claims), "not-the-key");
  g_autofree char *l1 = g_strconcat ("v1, authorization.bearer.", other, NULL);
  g_autofree char *r1 = ws_redact_subprotocols (l1);
  g_assert_cmpstr (r1, ==, "v1, authorization.bearer.REDACTED");
  g_assert_false (ws_tunnel_request_find (l1, &t));

  /* signed with wstunnel's key by this test: newer wstunnel's enum with
   * fields, an IPv6 remote */
  const char *udp = "{\"id\":\"y\",\"p\":{\"Udp\":{\"timeout\":30000}},\"r\":\"2001:db8::1\","
                    "\"rp\":53}";
  g_autofree char *tu = sign (HS256, udp, strlen (udp), "champignonfrais");
  g_autofree char *l2 = g_strconcat ("v1, authorization.bearer.", tu, NULL);
  g_assert_null (ws_redact_subprotocols (l2));
  g_assert_true (ws_tunnel_request_find (l2, &t));
  g_assert_cmpstr (t.protocol, ==, "Udp");
  g_assert_cmpstr (t.remote, ==, "[2001:db8::1]:53");

  /* the right key but not HS256 in the header (alg none, or another
   * algorithm's name): not wstunnel's, redacted */
  g_autofree char *none = sign ("{\"alg\":\"none\"}", claims, strlen (claims), "champignonfrais");
  g_autofree char *r3 = ws_redact_subprotocols (none);
  g_assert_cmpstr (r3, ==, "REDACTED");

  /* signed, but claims that are not wstunnel's or not sane: the token is
   * kept (it hides nothing), no tunnel request is told */
  static const char *const odd[] = {
    "{\"p\":\"Tcp\",\"r\":\"a\\\"b\",\"rp\":1}",          /* a quote in the host */
    "{\"p\":\"Tcp\",\"r\":\"a b\",\"rp\":1}",                /* a blank */
    "{\"p\":\"T-c p\",\"r\":\"h\",\"rp\":1}",                /* not a name */
    "{\"p\":\"Tcp\",\"r\":\"h\",\"rp\":65536}",             /* no such port */
    "{\"p\":\"Tcp\",\"rp\":1}",                               /* no host */
    "{\"p\":\"Tcp\",\"r\":\"h\\u00e9\",\"rp\":1}",           /* beyond ASCII */
    "{\"p\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]],\"r\":\"h\"}", /* deep */
    "{\"p\":\"Tcp\",\"r\":\"h\",\"rp\":1} trailing",
    "{\"p\":\"Tcp\",\"r\":\"h\",\"rp\":1",                    /* unterminated */
    "",
  };
  for (size_t i = 0; i < G_N_ELEMENTS (odd); i++)
    {
      g_autofree char *tok = sign (HS256, odd[i], strlen (odd[i]), "champignonfrais");
      g_autofree char *r = ws_redact_subprotocols (tok);
      g_assert_null (r);
      g_assert_false (ws_tunnel_request_find (tok, &t));
    }

  /* random claims signed with the key: never a crash, strings bounded */
  GRand *rnd = g_rand_new_with_seed (11);
  for (int i = 0; i < 3000; i++)
    {
      char buf[96];
      int n = g_rand_int_range (rnd, 0, (int) sizeof buf);
      static const char alphabet[] = "{}[]\":,\\u0a pTcrp\"rp\"1\x01\xff";
      for (int k = 0; k < n; k++)
        buf[k] = alphabet[g_rand_int_range (rnd, 0, (int) sizeof alphabet - 1)];
      g_autofree char *tok = sign (HS256, buf, (size_t) n, "champignonfrais");
      if (ws_tunnel_request_find (tok, &t))
        {
          g_assert_cmpuint (strlen (t.protocol), <, sizeof t.protocol);
          g_assert_cmpuint (strlen (t.remote), <, sizeof t.remote);
        }
    }
  g_rand_free (rnd);
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
      /* a copy only when something was redacted */
      if (p)
        g_assert_cmpstr (p, !=, buf);
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
  g_test_add_func ("/redact/wstunnel", test_wstunnel);
  g_test_add_func ("/redact/headers", test_headers);
  g_test_add_func ("/redact/random", test_random);
  return g_test_run ();
}
