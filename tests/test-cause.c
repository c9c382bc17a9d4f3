/* test-cause.c - the cause object: evidence lines as printf writes them,
 * the cap on their number, arrays reused across causes, the fields set and
 * replaced without leaks, a confidence that only goes down. */
#include <string.h>

#include "cause.h"
#include "context.h"

/* Evidence text is what printf writes, for the conversions done without it
 * and for those handed to it. */
static void
test_evidence_format (void)
{
  ws_cause k = { 0 };
  g_autofree char *long_arg = g_strnfill (700, 'x');
  char *want[8];
  int n = 0;

#define BOTH(...) G_STMT_START {                                      \
    ws_cause_add_evidence (&k, n + 1, __VA_ARGS__);                    \
    want[n++] = g_strdup_printf (__VA_ARGS__);                         \
  } G_STMT_END
  BOTH ("plain text, no conversions");
  BOTH ("%s sent close %d (%s), %zu-byte payload; %u gaps, %" G_GUINT64_FORMAT " frames %%",
        "client", -1002, "Protocol Error", (size_t) 125, 4000000000u, G_MAXUINT64);
  BOTH ("%d %d %" G_GINT64_FORMAT " %c%s", G_MININT, G_MAXINT, G_MININT64, 'Z', "");
  BOTH ("widths go to printf: [%5d] [%-4s] [%.1f] [%x]", 42, "ab", 2.25, 255u);
  BOTH ("a long argument: %s (%zu)", long_arg, strlen (long_arg));
#undef BOTH
  g_assert_nonnull (k.evidence);
  g_assert_cmpuint (k.evidence->len, ==, n);
  for (int i = 0; i < n; i++)
    {
      const ws_evidence *e = k.evidence->pdata[i];
      g_assert_cmpint (e->ts_us, ==, i + 1);
      g_assert_cmpstr (e->text, ==, want[i]);
      g_free (want[i]);
    }
  ws_cause_clear (&k);
  g_assert_null (k.evidence);
}

/* No more than WS_CAUSE_MAX_EVIDENCE lines, by either way of adding. */
static void
test_evidence_cap (void)
{
  ws_cause k = { 0 };

  for (int i = 0; i < WS_CAUSE_MAX_EVIDENCE + 5; i++)
    {
      if (i % 2)
        ws_cause_add_evidence (&k, i, "line %d", i);
      else
        {
          ws_strbuf t;
          ws_strbuf_init (&t);
          ws_strbuf_printf (&t, "line %d", i);
          ws_cause_add_built (&k, i, &t);
          g_assert_cmpuint (t.len, ==, 0);
        }
      g_assert_cmpint (ws_cause_has_room (&k), ==, i + 1 < WS_CAUSE_MAX_EVIDENCE);
    }
  g_assert_cmpuint (k.evidence->len, ==, WS_CAUSE_MAX_EVIDENCE);
  const ws_evidence *last = k.evidence->pdata[WS_CAUSE_MAX_EVIDENCE - 1];
  g_assert_cmpstr (last->text, ==, "line 47");
  ws_cause_clear (&k);
  /* a cleared cause starts again empty (its array may be a reused one) */
  ws_cause_add_evidence (&k, 0, "again");
  g_assert_cmpuint (k.evidence->len, ==, 1);
  ws_cause_clear (&k);
  ws_cause_clear (&k);
  ws_cause_clear (NULL);
  g_assert_null (k.evidence);
}

/* With a pool (the analyzer's causes): the lines are carved from blocks,
 * a line longer than a block gets its own, and what is cleared comes back
 * for the next causes without mixing their lines. */
static void
test_evidence_pool (void)
{
  ws_ev_pool pool = { 0 };
  ws_cause k[2] = { { .pool = &pool }, { .pool = &pool } };
  g_autofree char *big = g_strnfill (1500, 'y');
  char want[2][WS_CAUSE_MAX_EVIDENCE][64];

  for (int round = 0; round < 3; round++)
    {
      for (int i = 0; i < WS_CAUSE_MAX_EVIDENCE; i++)
        for (int c = 0; c < 2; c++)
          {
            /* 1 to 60 bytes a line: several blocks a cause */
            int n = 1 + (i * 7 + c * 13 + round) % 60;
            memset (want[c][i], 'a' + c, (size_t) n);
            want[c][i][n] = '\0';
            if (i == 20 && c == 1)
              ws_cause_add_evidence (&k[c], i, "%s", big);
            else
              ws_cause_add_evidence (&k[c], i, "%s", want[c][i]);
          }
      for (int c = 0; c < 2; c++)
        {
          g_assert_cmpuint (k[c].evidence->len, ==, WS_CAUSE_MAX_EVIDENCE);
          for (int i = 0; i < WS_CAUSE_MAX_EVIDENCE; i++)
            {
              const ws_evidence *e = k[c].evidence->pdata[i];
              g_assert_cmpint (e->ts_us, ==, i);
              g_assert_true (((uintptr_t) e & 7) == 0);
              g_assert_cmpstr (e->text, ==, i == 20 && c == 1 ? big : want[c][i]);
            }
        }
      ws_cause_clear (&k[0]);
      ws_cause_clear (&k[1]);
      g_assert_null (k[0].evidence);
      g_assert_null (k[0].ev_blocks);
      g_assert_cmpuint (pool.n_blocks, <=, WS_EV_BLOCKS);
    }

  /* detail, summary and fix are carved too; a field some other code set
   * (its own allocation) is freed, a carved one replaced is not */
  ws_strbuf lead;
  ws_strbuf_init (&lead);
  ws_cause_add_evidence (&k[0], 1, "first");
  ws_cause_set_fields (&k[0], &lead, "abnormal_closure", "nginx", "high", "Send pings");
  ws_cause_set_summary (&k[0], "a summary, cut here", 9);
  ws_cause_set_detail (&k[0], big);
  ws_cause_set_summary (&k[0], "again", 5);
  g_assert_cmpstr (k[0].detail, ==, big);
  g_assert_cmpstr (k[0].summary, ==, "again");
  g_assert_cmpstr (k[0].fix, ==, "Send pings");
  g_assert_cmpstr (((ws_evidence *) k[0].evidence->pdata[0])->text, ==, "first");
  ws_cause_clear (&k[0]);
  g_assert_null (k[0].detail);
  g_assert_null (k[0].summary);
  g_assert_null (k[0].fix);
  k[0].summary = g_strdup ("set by a test");
  ws_cause_set_detail (&k[0], "x");
  ws_cause_clear (&k[0]);
  k[0].detail = g_strdup ("set by a test");
  ws_cause_set_detail (&k[0], NULL);
  g_assert_null (k[0].detail);
  ws_cause_clear (&k[0]);
  ws_strbuf_clear (&lead);

  for (unsigned i = 0; i < pool.n; i++)
    g_ptr_array_unref (pool.arrays[i]);
  ws_ev_pool_clear (&pool);
  g_assert_null (pool.blocks);
}

static void
test_set (void)
{
  ws_cause k = { 0 };
  ws_strbuf lead;

  ws_strbuf_init (&lead);
  WS_STRBUF_LIT (&lead, "old text");
  ws_cause_set (&k, &lead, "policy_violation", "rejected_at_start", "high", "Fix it.",
                "The %s closed with %d", "server", 1008);
  g_assert_cmpstr (k.id, ==, "policy_violation");
  g_assert_cmpstr (k.detail, ==, "rejected_at_start");
  g_assert_cmpstr (k.fix, ==, "Fix it.");
  g_assert_cmpstr (lead.str, ==, "The server closed with 1008");
  ws_cause_set_fields (&k, &lead, "normal_closure", NULL, "high", NULL);
  g_assert_null (k.detail);
  g_assert_null (k.fix);
  g_assert_cmpstr (lead.str, ==, "");
  ws_cause_set_detail (&k, "close_storm");
  g_assert_cmpstr (k.detail, ==, "close_storm");

  /* only down */
  ws_cause_lower_confidence (&k, "medium");
  g_assert_cmpstr (k.confidence, ==, "medium");
  ws_cause_lower_confidence (&k, "high");
  g_assert_cmpstr (k.confidence, ==, "medium");
  ws_cause_lower_confidence (&k, "low");
  g_assert_cmpstr (k.confidence, ==, "low");
  ws_cause_clear (&k);
  g_assert_null (k.id);
  g_assert_null (k.detail);
  g_assert_null (k.confidence);
  ws_strbuf_clear (&lead);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cause/evidence/format", test_evidence_format);
  g_test_add_func ("/cause/evidence/cap", test_evidence_cap);
  g_test_add_func ("/cause/evidence/pool", test_evidence_pool);
  g_test_add_func ("/cause/set", test_set);
  return g_test_run ();
}
