/* test-strbuf.c - the text builder: its printf writes what vsnprintf
 * writes, whatever path it takes; durations and sizes come out as printf
 * prints the same double; texts outgrow their local room intact; reasons
 * are cut on UTF-8 boundaries. */
#include <string.h>

#include "strbuf.h"

/* Durations and sizes are formatted durations and sizes with integer rounding; printf of
 * the same double is the reference, exact halves and huge values included. */
static void
test_fmt_dur (void)
{
  static const int64_t fixed[] = {
    -5, 0, 1, 49, 50, 51, 149, 150, 151, 250, 750, 1250, 1350, 9949, 9950, 9951, 9999,
    10000, 10499, 10500, 11500, 999499, 999500, 999999, 1000000, 1049999, 1050000,
    1150000, 1250000, 59950000, 60050000, G_GINT64_CONSTANT (450359962737049),
    G_GINT64_CONSTANT (450359962737050), G_GINT64_CONSTANT (4503599627370496),
    G_MAXINT64,
  };
  char got[48], want[48];

  for (size_t i = 0; i < G_N_ELEMENTS (fixed) + 200000; i++)
    {
      int64_t us = i < G_N_ELEMENTS (fixed) ? fixed[i]
                   : i % 2 ? (int64_t) (i - G_N_ELEMENTS (fixed)) * 7
                   : (int64_t) g_test_rand_int_range (0, G_MAXINT32) * 1000 + (int64_t) (i % 1000);
      int64_t v = us < 0 ? 0 : us;
      if (v < 10000)
        g_snprintf (want, sizeof want, "%.1f ms", v / 1000.0);
      else if (v < 1000000)
        g_snprintf (want, sizeof want, "%.0f ms", v / 1000.0);
      else
        g_snprintf (want, sizeof want, "%.1f s", v / 1000000.0);
      ws_fmt_dur (got, sizeof got, us);
      g_assert_cmpstr (got, ==, want);
    }
}

static void
test_fmt_size (void)
{
  static const uint64_t fixed[] = {
    0, 1, 1023, 1024, 1075, 1076, 1126, 1127, 1536, 1587, 1588, 1048575, 1048576,
    1101004, 1101005, 1153433, 1572864, G_GUINT64_CONSTANT (450359962737049),
    G_GUINT64_CONSTANT (9007199254740993), G_MAXUINT64,
  };
  char got[64], want[64];

  for (size_t i = 0; i < G_N_ELEMENTS (fixed) + 300000; i++)
    {
      uint64_t n = i < G_N_ELEMENTS (fixed) ? fixed[i]
                   : i % 3 ? (uint64_t) (i - G_N_ELEMENTS (fixed))
                   : (uint64_t) g_test_rand_int () * 977;
      if (n >= 1024 * 1024)
        g_snprintf (want, sizeof want, "%" G_GUINT64_FORMAT " bytes (%.1f MiB)", n,
                    n / (1024.0 * 1024.0));
      else if (n >= 1024)
        g_snprintf (want, sizeof want, "%" G_GUINT64_FORMAT " bytes (%.1f KiB)", n, n / 1024.0);
      else
        g_snprintf (want, sizeof want, "%" G_GUINT64_FORMAT " bytes", n);
      ws_fmt_size (got, sizeof got, n);
      g_assert_cmpstr (got, ==, want);
    }
}

/* The plain conversions done without printf, and those handed to it, both
 * as vsnprintf writes them; appended after earlier text. */
static void
test_printf (void)
{
  g_autofree char *long_arg = g_strnfill (700, 'x');
  ws_strbuf t;
  GString *want = g_string_new ("lead: ");

  ws_strbuf_init (&t);
  WS_STRBUF_LIT (&t, "lead: ");
#define BOTH(...) G_STMT_START {                                      \
    ws_strbuf_printf (&t, __VA_ARGS__);                                \
    g_string_append_printf (want, __VA_ARGS__);                        \
    g_assert_cmpstr (t.str, ==, want->str);                            \
    g_assert_cmpuint (t.len, ==, want->len);                           \
  } G_STMT_END
  BOTH ("plain text, no conversions");
  BOTH ("%s sent close %d (%s), %zu-byte payload; %u gaps, %" G_GUINT64_FORMAT " frames %%",
        "client", -1002, "Protocol Error", (size_t) 125, 4000000000u, G_MAXUINT64);
  BOTH ("%d %d %" G_GINT64_FORMAT " %c%s %li %lu", G_MININT, G_MAXINT, G_MININT64, 'Z', "",
        -7L, 7UL);
  BOTH ("%zd %zu", (gssize) -3, (size_t) 3);
  BOTH ("widths go to printf: [%5d] [%-4s] [%.1f] [%x]", 42, "ab", 2.25, 255u);
  BOTH ("a long argument: %s (%zu)", long_arg, strlen (long_arg));
  BOTH ("%lld then %s", (long long) G_MININT64, "a plain conversion after the libc path");
#undef BOTH
  g_assert_true (t.str != t.local);
  ws_strbuf_clear (&t);
  g_assert_true (t.str == t.local && t.len == 0 && t.str[0] == '\0');
  g_string_free (want, TRUE);
}

/* Appending a byte at a time across the local room and past several
 * doublings keeps every byte. */
static void
test_grow (void)
{
  ws_strbuf t;
  GString *want = g_string_new (NULL);

  ws_strbuf_init (&t);
  for (int i = 0; i < 5000; i++)
    {
      char ch = (char) ('a' + i % 26);
      ws_strbuf_add (&t, &ch, 1);
      g_string_append_c (want, ch);
      if (i == 254)
        g_assert_true (t.str == t.local);
    }
  g_assert_cmpuint (t.len, ==, 5000);
  g_assert_cmpstr (t.str, ==, want->str);
  ws_strbuf_reset (&t);
  g_assert_cmpstr (t.str, ==, "");
  ws_strbuf_clear (&t);
  g_string_free (want, TRUE);
}

static void
test_clause_lower_take (void)
{
  ws_strbuf t;
  char small[6];

  ws_strbuf_init (&t);
  ws_strbuf_clause (&t, "first %d", 1);
  ws_strbuf_clause (&t, "second");
  g_assert_cmpstr (t.str, ==, "first 1; second");
  ws_strbuf_set_lower (&t, "Nginx/1.22 \xC3\x84" "Z");
  g_assert_cmpstr (t.str, ==, "nginx/1.22 \xC3\x84" "z");     /* ASCII only */
  ws_strbuf_take (&t, small, sizeof small);
  g_assert_cmpstr (small, ==, "nginx");
  g_assert_true (t.len == 0 && t.str == t.local);
  ws_strbuf_add_num (&t, true, G_MAXUINT64);
  g_assert_cmpstr (t.str, ==, "-18446744073709551615");
  ws_strbuf_clear (&t);
}

static void
test_short_reason (void)
{
  char buf[16];

  ws_short_reason (buf, sizeof buf, NULL, 10);
  g_assert_cmpstr (buf, ==, "");
  ws_short_reason (buf, sizeof buf, "short", 10);
  g_assert_cmpstr (buf, ==, "short");
  ws_short_reason (buf, sizeof buf, "0123456789abc", 10);
  g_assert_cmpstr (buf, ==, "0123456789...");
  /* "\xC3\xA9" (é) straddles byte 5: cut before it */
  ws_short_reason (buf, sizeof buf, "abcd\xC3\xA9" "fgh", 5);
  g_assert_cmpstr (buf, ==, "abcd...");
  /* max above the buffer: cut to the buffer (15 bytes, then "...", cut again) */
  ws_short_reason (buf, sizeof buf, "0123456789abcdefghij", 100);
  g_assert_cmpstr (buf, ==, "0123456789abcde");
}

static void
test_has_ci (void)
{
  g_assert_true (ws_str_has_ci ("x-PerMessage-Deflate; a", "permessage-deflate"));
  g_assert_true (ws_str_has_ci ("abc", ""));
  g_assert_false (ws_str_has_ci ("abc", "abcd"));
  g_assert_false (ws_str_has_ci (NULL, "a"));
  g_assert_false (ws_str_has_ci ("a", NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/strbuf/printf", test_printf);
  g_test_add_func ("/strbuf/grow", test_grow);
  g_test_add_func ("/strbuf/clause-lower-take", test_clause_lower_take);
  g_test_add_func ("/strbuf/short-reason", test_short_reason);
  g_test_add_func ("/strbuf/has-ci", test_has_ci);
  g_test_add_func ("/strbuf/duration", test_fmt_dur);
  g_test_add_func ("/strbuf/size", test_fmt_size);
  return g_test_run ();
}
