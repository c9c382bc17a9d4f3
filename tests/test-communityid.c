/* Community ID v1 against the published test vectors (the spec's and
 * Zeek's baselines), in both directions. */
#include "config.h"

#include <arpa/inet.h>
#include <glib.h>
#include <string.h>

#include "communityid.h"

static void
check (int family, const char *sa, uint16_t sp, const char *da, uint16_t dp, uint16_t seed,
       const char *want)
{
  uint8_t s[16], d[16];
  int af = family == 6 ? AF_INET6 : AF_INET;
  g_assert_cmpint (inet_pton (af, sa, s), ==, 1);
  g_assert_cmpint (inet_pton (af, da, d), ==, 1);
  char out[WS_COMMUNITY_ID_LEN];
  ws_community_id (seed, family, s, sp, d, dp, 6, out);
  g_assert_cmpstr (out, ==, want);
  ws_community_id (seed, family, d, dp, s, sp, 6, out);
  g_assert_cmpstr (out, ==, want);
}

static void
test_vectors_v4 (void)
{
  /* community-id-spec baseline, tcp.pcap */
  check (4, "128.232.110.120", 34855, "66.35.250.204", 80, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
  /* Zeek's community_id_v1 test */
  check (4, "1.2.3.4", 1122, "5.6.7.8", 3344, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
}

static void
test_vectors_v6 (void)
{
  /* community-id-spec baseline, ipv6.pcap */
  check (6, "2001:470:e5bf:dead:4957:2174:e82c:4887", 63943, "2607:f8b0:400c:c03::1a", 25, 0,
         "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
}

static void
test_seed_changes_id (void)
{
  uint8_t a[4] = { 1, 2, 3, 4 }, b[4] = { 5, 6, 7, 8 };
  char x[WS_COMMUNITY_ID_LEN], y[WS_COMMUNITY_ID_LEN];
  ws_community_id (0, 4, a, 1122, b, 3344, 6, x);
  ws_community_id (1, 4, a, 1122, b, 3344, 6, y);
  g_assert_cmpstr (x, !=, y);
  g_assert_cmpuint (strlen (x), ==, WS_COMMUNITY_ID_LEN - 1);
}

static void
test_same_address_orders_by_port (void)
{
  uint8_t lo[4] = { 127, 0, 0, 1 };
  char x[WS_COMMUNITY_ID_LEN], y[WS_COMMUNITY_ID_LEN];
  ws_community_id (0, 4, lo, 40000, lo, 8080, 6, x);
  ws_community_id (0, 4, lo, 8080, lo, 40000, 6, y);
  g_assert_cmpstr (x, ==, y);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/community_id/vectors/ipv4", test_vectors_v4);
  g_test_add_func ("/community_id/vectors/ipv6", test_vectors_v6);
  g_test_add_func ("/community_id/seed", test_seed_changes_id);
  g_test_add_func ("/community_id/loopback-ports", test_same_address_orders_by_port);
  return g_test_run ();
}
