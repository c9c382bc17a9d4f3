/* test-closecodes.c - the knowledge base: every protocol code has a full
 * entry, every code resolves to the right entry or range, the on-the-wire
 * flags agree with RFC 6455 section 7.4 (checked against an independent
 * statement of the rule below), and --explain finds codes, statuses, keys. */
#include <stdio.h>
#include <string.h>

#include "closecodes.h"

/* RFC 6455 7.4.1/7.4.2 plus the IANA registry: what a peer may send. */
static bool
rfc_valid_on_wire (int code)
{
  if (code >= 1000 && code <= 1003)
    return true;
  if (code >= 1007 && code <= 1014)
    return true;
  return code >= 3000 && code <= 4999;
}

static void
assert_full_entry (const ws_code_info *e)
{
  g_assert_nonnull (e);
  g_assert_nonnull (e->key);
  g_assert_nonnull (e->name);
  g_assert_cmpuint (strlen (e->name), >, 2);
  g_assert_cmpuint (strlen (e->meaning), >, 20);
  g_assert_cmpuint (strlen (e->sent_by), >, 5);
  g_assert_cmpuint (strlen (e->when), >, 20);
  g_assert_cmpuint (strlen (e->fix), >, 20);
}

static void
test_protocol_codes (void)
{
  /* names as RFC 6455 section 11.7 and the IANA registry give them */
  static const struct { int code; const char *name; } names[] = {
    { 1000, "Normal Closure" }, { 1001, "Going Away" }, { 1002, "Protocol Error" },
    { 1003, "Unsupported Data" }, { 1004, "Reserved" }, { 1005, "No Status" },
    { 1006, "Abnormal Closure" }, { 1007, "Invalid Frame Payload Data" },
    { 1008, "Policy Violation" }, { 1009, "Message Too Big" },
    { 1010, "Mandatory Extension" }, { 1011, "Internal Error" },
    { 1012, "Service Restart" }, { 1013, "Try Again Later" }, { 1014, "Bad Gateway" },
    { 1015, "TLS Handshake" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const ws_code_info *e = ws_code_lookup (names[i].code);
      char key[16];
      g_snprintf (key, sizeof key, "%d", names[i].code);
      assert_full_entry (e);
      g_assert_cmpint (e->code, ==, names[i].code);
      g_assert_cmpstr (e->key, ==, key);
      g_assert_nonnull (strstr (e->name, names[i].name));
      g_assert_cmpint (e->on_wire, ==, rfc_valid_on_wire (names[i].code));
    }
  /* the four that never travel in a close frame */
  g_assert_false (ws_code_lookup (1004)->on_wire);
  g_assert_false (ws_code_lookup (1005)->on_wire);
  g_assert_false (ws_code_lookup (1006)->on_wire);
  g_assert_false (ws_code_lookup (1015)->on_wire);
}

static void
test_registered_names (void)
{
  g_assert_cmpstr (ws_code_lookup (3000)->name, ==, "Unauthorized");
  g_assert_cmpstr (ws_code_lookup (3003)->name, ==, "Forbidden");
  g_assert_cmpstr (ws_code_lookup (3008)->name, ==, "Timeout");
  g_assert_cmpstr (ws_code_lookup (3000)->key, ==, "3000");
}

static void
test_ranges (void)
{
  static const struct { int code; const char *key; } cases[] = {
    { 0, "0-999" }, { 1, "0-999" }, { 999, "0-999" },
    { 1016, "1016-2999" }, { 2000, "1016-2999" }, { 2999, "1016-2999" },
    { 3001, "3000-3999" }, { 3500, "3000-3999" }, { 3999, "3000-3999" },
    { 4000, "4000-4999" }, { 4321, "4000-4999" }, { 4999, "4000-4999" },
    { 5000, "5000-65535" }, { 65535, "5000-65535" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const ws_code_info *e = ws_code_lookup (cases[i].code);
      assert_full_entry (e);
      g_assert_cmpstr (e->key, ==, cases[i].key);
    }
}

/* Every possible code resolves, and the flag matches the RFC rule. */
static void
test_every_code (void)
{
  for (int code = 0; code <= 65535; code++)
    {
      const ws_code_info *e = ws_code_lookup (code);
      g_assert_nonnull (e);
      if (e->on_wire != rfc_valid_on_wire (code))
        g_error ("code %d: on_wire %d, RFC says %d (entry %s)", code, e->on_wire,
                 rfc_valid_on_wire (code), e->key);
    }
}

/* The row for each code is the one the header promises, found here by
 * reading the keys of the whole table: the row whose key is the code
 * itself, else the first whose "A-B" range holds it; codes outside every
 * range give "0-999" (negative) or "5000-65535". */
static void
test_lookup_matches_table (void)
{
  const ws_code_info *all;
  size_t n = ws_code_all (&all);

  for (int code = -3; code <= 70000; code++)
    {
      const ws_code_info *want = NULL;
      char key[16];
      g_snprintf (key, sizeof key, "%d", code);
      for (size_t i = 0; i < n && !want; i++)
        if (strcmp (all[i].key, key) == 0)
          want = &all[i];
      for (size_t i = 0; i < n && !want; i++)
        {
          int lo, hi;
          if (g_ascii_isdigit (all[i].key[0]) && sscanf (all[i].key, "%d-%d", &lo, &hi) == 2
              && code >= lo && code <= hi)
            want = &all[i];
        }
      if (!want)
        want = ws_code_lookup_key (code < 0 ? "0-999" : "5000-65535");
      if (ws_code_lookup (code) != want)
        g_error ("code %d: row %s, the table says %s", code, ws_code_lookup (code)->key,
                 want->key);
    }
}

static void
test_handshake_keys (void)
{
  static const char *keys[] = {
    "handshake-400", "handshake-401", "handshake-403", "handshake-404", "handshake-426",
    "handshake-429", "handshake-5xx", "handshake-502", "handshake-503", "handshake-504",
    "handshake-accept", "handshake-extension", "handshake-subprotocol",
  };
  for (size_t i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const ws_code_info *e = ws_code_lookup_key (keys[i]);
      assert_full_entry (e);
      g_assert_cmpint (e->code, ==, 0);
      g_assert_false (e->on_wire);
    }
  g_assert_null (ws_code_lookup_key ("handshake-999"));
  g_assert_null (ws_code_lookup_key (NULL));
}

static void
test_table_unique (void)
{
  const ws_code_info *all;
  size_t n = ws_code_all (&all);
  g_assert_cmpuint (n, >=, 16 + 3 + 5 + 13);
  for (size_t i = 0; i < n; i++)
    {
      assert_full_entry (&all[i]);
      for (size_t j = i + 1; j < n; j++)
        g_assert_cmpstr (all[i].key, !=, all[j].key);
    }
}

static void
test_explain_1010 (void)
{
  GError *error = NULL;
  char *t = ws_code_explain ("1010", &error);
  g_assert_no_error (error);
  g_assert_nonnull (t);
  g_assert_nonnull (strstr (t, "1010 Mandatory Extension"));
  g_assert_nonnull (strstr (t, "How to fix"));
  g_assert_nonnull (strstr (t, "Sec-WebSocket-Extensions"));
  g_assert_nonnull (strstr (t, "permessage-deflate"));
  /* wrapped for a terminal */
  char **lines = g_strsplit (t, "\n", -1);
  for (char **l = lines; *l; l++)
    g_assert_cmpuint (strlen (*l), <=, 80);
  g_strfreev (lines);
  g_free (t);
}

static void
test_explain_other (void)
{
  GError *error = NULL;
  char *t;

  t = ws_code_explain ("403", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (t, "handshake-403"));
  g_assert_nonnull (strstr (t, "Origin"));
  g_free (t);

  t = ws_code_explain ("500", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (t, "handshake-5xx"));
  g_free (t);

  t = ws_code_explain ("handshake-accept", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (t, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"));
  g_free (t);

  t = ws_code_explain ("4321", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (t, "4000-4999"));
  g_free (t);

  t = ws_code_explain ("1006", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (t, "proxy_read_timeout"));
  g_assert_nonnull (strstr (t, "reported locally only"));
  g_free (t);

  t = ws_code_explain ("1009", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (t, "max_size"));
  g_assert_nonnull (strstr (t, "maxPayload"));
  g_assert_nonnull (strstr (t, "SetReadLimit"));
  g_free (t);

  static const char *bad[] = { "bogus", "", "70000", "12ab", "-5", "101" };
  for (size_t i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      t = ws_code_explain (bad[i], &error);
      g_assert_null (t);
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/closecodes/protocol/1000-1015", test_protocol_codes);
  g_test_add_func ("/closecodes/registered/names", test_registered_names);
  g_test_add_func ("/closecodes/ranges", test_ranges);
  g_test_add_func ("/closecodes/ranges/every-code", test_every_code);
  g_test_add_func ("/closecodes/lookup/matches-table", test_lookup_matches_table);
  g_test_add_func ("/closecodes/handshake/keys", test_handshake_keys);
  g_test_add_func ("/closecodes/table/unique", test_table_unique);
  g_test_add_func ("/closecodes/explain/1010", test_explain_1010);
  g_test_add_func ("/closecodes/explain/others", test_explain_other);
  return g_test_run ();
}
