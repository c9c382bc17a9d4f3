/* test-i18n.c - the pieces of i18n.c that do not need a catalog: the
 * isolation of a sentence's quoted values for right-to-left text, the
 * columns a string takes on a terminal, and the decimal mark of the text
 * (the locale's while translating, "." for JSON and CSV). */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "strbuf.h"

#define FSI "\xe2\x81\xa8"
#define PDI "\xe2\x81\xa9"

static void
test_isolate_fmt (void)
{
  char buf[256];

  /* off: the format itself, whatever it holds */
  ws_i18n_isolating = false;
  const char *f = "the %s sent close %d";
  g_assert_true (ws_i18n_isolate_fmt (f, buf, sizeof buf) == f);

  ws_i18n_isolating = true;
  g_assert_cmpstr (ws_i18n_isolate_fmt ("the %s sent close %d", buf, sizeof buf), ==,
                   "the " FSI "%s" PDI " sent close %d");
  /* %% is not a conversion; %zu, %d and %<PRIu64>'s "%lu" are left bare */
  g_assert_cmpstr (ws_i18n_isolate_fmt ("%s%%s %zu %lu%s", buf, sizeof buf), ==,
                   FSI "%s" PDI "%%s %zu %lu" FSI "%s" PDI);
  /* a sentence passed on whole is not isolated */
  f = "%s";
  g_assert_true (ws_i18n_isolate_fmt (f, buf, sizeof buf) == f);
  /* without %s: the format itself */
  f = "%u more";
  g_assert_true (ws_i18n_isolate_fmt (f, buf, sizeof buf) == f);
  /* a buffer too small: the format itself, never a cut one */
  f = "a %s b %s c";
  g_assert_true (ws_i18n_isolate_fmt (f, buf, 12) == f);
  g_assert_cmpstr (ws_i18n_isolate_fmt (f, buf, 24), ==, "a " FSI "%s" PDI " b " FSI "%s" PDI " c");
  g_assert_true (ws_i18n_isolate_fmt (f, buf, 23) == f);

  /* and printed: the values come out isolated, nothing else changes */
  ws_strbuf t;
  ws_strbuf_init (&t);
  ws_strbuf_printf (&t, ws_i18n_isolate_fmt ("أرسل %s إغلاق %d", buf, sizeof buf), "العميل", 1011);
  g_assert_cmpstr (t.str, ==, "أرسل " FSI "العميل" PDI " إغلاق 1011");
  ws_strbuf_clear (&t);
  ws_i18n_isolating = false;
}

static void
test_drop_empty (void)
{
  char s[64];
  strcpy (s, "a " FSI PDI "b" FSI "c" PDI FSI PDI);
  size_t n = ws_i18n_drop_empty_isolates (s, strlen (s));
  g_assert_cmpuint (n, ==, strlen ("a b" FSI "c" PDI));
  g_assert_cmpstr (s, ==, "a b" FSI "c" PDI);
  strcpy (s, "plain");
  g_assert_cmpuint (ws_i18n_drop_empty_isolates (s, 5), ==, 5);
  g_assert_cmpstr (s, ==, "plain");
}

static void
test_width (void)
{
  struct { const char *s; size_t w; } cases[] = {
    { "", 0 },
    { "HOST/PATH", 9 },
    { "código", 6 },
    { "المضيف/المسار", 13 },
    { FSI "/feed" PDI, 5 },
    { "\xe2\x81\xa6" "x" "\xe2\x81\xa9", 1 },     /* LRI x PDI */
    { "\xe2\x80\x8e" "--r", 3 },                  /* LRM takes none */
    { "مُرِّر", 3 },                               /* harakat take none */
    { "\xe2\x82\xac", 1 },                        /* U+20AC: one column */
    { "e\xcc\x81", 1 },                            /* a combining acute takes none */
    { "\xe6\x97\xa5\xe6\x9c\xac", 4 },              /* CJK: two columns each */
    { "\xef\xbc\xa1", 2 },                        /* U+FF21 fullwidth A: two */
    { "a\xff" "b", 3 },                            /* an invalid byte: one */
  };
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpuint (ws_i18n_width (cases[i].s, strlen (cases[i].s)), ==, cases[i].w);
  /* a cut sequence at the end counts once and reads nothing past len */
  g_assert_cmpuint (ws_i18n_width ("a\xd8", 2), ==, 2);

  /* where a cut to n columns ends: never inside a character, the harakat
   * kept with their letter, a wide character not split */
  const char *ar = "مُرِّر";
  g_assert_cmpstr (ws_i18n_cols_end (ar, strlen (ar), 2), ==, "ر");
  const char *cjk = "\xe6\x97\xa5\xe6\x9c\xac";
  g_assert_true (ws_i18n_cols_end (cjk, strlen (cjk), 3) == cjk + 3);
  const char *abc = "abc";
  g_assert_true (ws_i18n_cols_end (abc, 3, 2) == abc + 2);
  g_assert_true (ws_i18n_cols_end (abc, 3, 10) == abc + 3);
}

static void
test_decimal (void)
{
  char b[48];

  /* the environment's locale is pt_BR when generated: its decimal comma
   * in the text, "." as soon as translation is off (JSON, CSV) */
  if (!setlocale (LC_NUMERIC, "pt_BR.UTF-8"))
    {
      g_test_skip ("locale pt_BR.UTF-8 not generated");
      return;
    }
  setlocale (LC_NUMERIC, "C");
  setenv ("LC_ALL", "pt_BR.UTF-8", 1);
  ws_i18n_init (NULL);
  ws_fmt_dur (b, sizeof b, 1250);
  g_assert_cmpstr (b, ==, "1,2 ms");
  ws_fmt_size (b, sizeof b, 1536);
  g_assert_true (g_str_has_prefix (b, "1536 ") && g_str_has_suffix (b, " (1,5 KiB)"));
  /* printf's own numbers stay C (LC_NUMERIC is C): JSON is exact */
  g_snprintf (b, sizeof b, "%.1f", 1.5);
  g_assert_cmpstr (b, ==, "1.5");
  ws_i18n_enable (false);
  ws_fmt_dur (b, sizeof b, 1250);
  g_assert_cmpstr (b, ==, "1.2 ms");
  ws_fmt_size (b, sizeof b, 1536);
  g_assert_cmpstr (b, ==, "1536 bytes (1.5 KiB)");
  ws_i18n_enable (true);
  unsetenv ("LC_ALL");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/i18n/isolate-fmt", test_isolate_fmt);
  g_test_add_func ("/i18n/drop-empty", test_drop_empty);
  g_test_add_func ("/i18n/width", test_width);
  g_test_add_func ("/i18n/decimal", test_decimal);
  return g_test_run ();
}
