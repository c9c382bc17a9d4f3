/* test-software.c - fingerprints: headers name software without regard to
 * ASCII case, the first table entry that matches wins, the memo of recent
 * headers gives the same answers as a fresh look (also past its size and
 * for headers too long to remember), and close reasons name the library
 * whose wording they are. */
#include <glib.h>
#include <string.h>

#include "context.h"
#include "software.h"

static void
test_headers (void)
{
  static const struct { const char *header, *name; bool proxy; } cases[] = {
    { "Python/3.11 websockets/12.0", "Python websockets", false },
    { "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/120.0.0.0 Safari/537.36", "a Chromium-based browser", false },
    { "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox", false },
    { "NGINX/1.22.1", "nginx", true },
    { "envoy", "Envoy", true },
    { "awselb/2.0", "an AWS load balancer", true },
    { "Go-http-client/1.1", "a Go client (gorilla/websocket or net/http based)", false },
    { "Apache/2.4", NULL, false },
    { "", NULL, false },
  };

  /* twice round, and with other headers in between: the memo answers */
  static ws_sw_memo memo;
  for (int round = 0; round < 3; round++)
    for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        const ws_software *k = ws_software_of (&memo, cases[i].header);
        g_assert_true (k == ws_software_of (NULL, cases[i].header));  /* no memo: same */
        g_assert_cmpint (k == NULL, ==, cases[i].name == NULL);
        if (k)
          {
            g_assert_cmpstr (k->name, ==, cases[i].name);
            g_assert_cmpint (k->proxy, ==, cases[i].proxy);
          }
        if (round == 2)
          {
            /* more distinct headers than the memo holds */
            char other[32];
            g_snprintf (other, sizeof other, "x-%zu HAProxy", i);
            g_assert_cmpstr (ws_software_of (&memo, other)->name, ==, "HAProxy");
          }
      }
}

/* A header longer than the memo keeps is looked at every time. */
static void
test_long_header (void)
{
  g_autofree char *pad = g_strnfill (400, 'a');
  g_autofree char *h = g_strconcat (pad, " CloudFlare", NULL);
  g_autofree char *h2 = g_strconcat (pad, " nothing", NULL);
  static ws_sw_memo memo;

  for (int i = 0; i < 2; i++)
    {
      g_assert_cmpstr (ws_software_of (&memo, h)->name, ==, "Cloudflare");
      g_assert_null (ws_software_of (&memo, h2));
    }
}

static void
test_reasons (void)
{
  const char *note = NULL;

  g_assert_cmpstr (ws_reason_library ("keepalive ping timeout", &note), ==, "Python websockets");
  g_assert_nonnull (note);
  note = "unset";
  g_assert_cmpstr (ws_reason_library ("Invalid WebSocket frame: RSV1 must be clear", &note),
                   ==, "Node ws");
  g_assert_null (note);
  g_assert_cmpstr (ws_reason_library ("websocket: close 1006 (abnormal closure)", NULL), ==,
                   "Go gorilla/websocket");
  g_assert_null (ws_reason_library ("bye", &note));
  g_assert_null (ws_reason_library (NULL, &note));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/software/headers", test_headers);
  g_test_add_func ("/software/long-header", test_long_header);
  g_test_add_func ("/software/reasons", test_reasons);
  return g_test_run ();
}
