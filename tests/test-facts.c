/* test-facts.c - facts derived from a record: who ended TCP first and how,
 * when the connection ended (its first close frame, else the first FIN or
 * RST, else its last packet), pings left unanswered, the first violation of
 * some kinds.  Expected values follow from how each record is built. */
#include <string.h>

#include "conn-builder.h"
#include "facts.h"

static void
test_ends (void)
{
  ws_conn *c = cb_conn (1, 5);

  g_assert_cmpint (ws_end_moment (c), ==, 0);           /* still open */
  g_assert_cmpint (ws_first_end_us (c, WS_SIDE_SERVER), ==, 0);
  g_assert_cmpint (ws_first_end_us (c, WS_SIDE_NONE), ==, 0);
  cb_traffic (c, WS_SIDE_CLIENT, 2, 10, 3);
  g_assert_cmpint (ws_last_frame_us (c), ==, T0 + S (3));
  cb_fin (c, WS_SIDE_SERVER, 10);
  cb_rst (c, WS_SIDE_SERVER, 9);                       /* its RST came first */
  g_assert_cmpint (ws_first_end_us (c, WS_SIDE_SERVER), ==, T0 + S (9));
  g_assert_true (ws_ended_with_rst (c, WS_SIDE_SERVER));
  g_assert_false (ws_ended_with_rst (c, WS_SIDE_CLIENT));
  g_assert_cmpint (ws_end_moment (c), ==, T0 + S (9));
  /* a close frame, when there is one, is the end */
  cb_close (c, WS_SIDE_CLIENT, 1000, NULL, 8);
  g_assert_cmpint (ws_end_moment (c), ==, T0 + S (8));
  ws_conn_free (c);

  /* TCP ended by a side with no FIN or RST of its own seen: the earliest */
  c = cb_conn (2, 5);
  cb_fin (c, WS_SIDE_CLIENT, 7);
  cb_fin (c, WS_SIDE_SERVER, 6);
  c->tcp_end_by = WS_SIDE_NONE;
  g_assert_cmpint (ws_end_moment (c), ==, T0 + S (6));
  ws_conn_free (c);
}

static void
test_pings (void)
{
  ws_conn *c = cb_conn (1, 5);

  g_assert_false (ws_ping_unanswered (c, WS_SIDE_CLIENT));
  cb_ping (c, WS_SIDE_CLIENT, 0, 10);
  cb_ping (c, WS_SIDE_CLIENT, 0, 20);
  g_assert_true (ws_ping_unanswered (c, WS_SIDE_CLIENT));
  cb_pong (c, WS_SIDE_SERVER, 19);                      /* answered the one before */
  g_assert_true (ws_ping_unanswered (c, WS_SIDE_CLIENT));
  cb_pong (c, WS_SIDE_SERVER, 20.1);
  g_assert_false (ws_ping_unanswered (c, WS_SIDE_CLIENT));
  ws_conn_free (c);
}

static void
test_violations (void)
{
  static const ws_violation_kind utf8[] = { WS_VIOL_TEXT_NOT_UTF8 };
  ws_conn *c = cb_conn (1, 5);

  g_assert_null (ws_find_violation (c, WS_SIDE_NONE, NULL, 0, 0));
  cb_violation (c, WS_VIOL_UNMASKED_CLIENT_FRAME, WS_SIDE_CLIENT, 1, 10, NULL);
  cb_violation (c, WS_VIOL_TEXT_NOT_UTF8, WS_SIDE_SERVER, 2, 20, NULL);
  cb_violation (c, WS_VIOL_TEXT_NOT_UTF8, WS_SIDE_CLIENT, 3, 30, NULL);
  g_assert_cmpuint (ws_find_violation (c, WS_SIDE_NONE, NULL, 0, 0)->offset, ==, 10);
  g_assert_cmpuint (ws_find_violation (c, WS_SIDE_CLIENT, utf8, 1, 0)->offset, ==, 30);
  g_assert_cmpuint (ws_find_violation (c, WS_SIDE_NONE, utf8, 1, 0)->offset, ==, 20);
  g_assert_null (ws_find_violation (c, WS_SIDE_CLIENT, utf8, 1, T0 + S (2.5)));
  g_assert_cmpstr (ws_violation_text (WS_VIOL_CLOSE_ONE_BYTE), ==,
                   "a close frame with a 1-byte body");
  ws_conn_free (c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/facts/ends", test_ends);
  g_test_add_func ("/facts/pings", test_pings);
  g_test_add_func ("/facts/violations", test_violations);
  return g_test_run ();
}
