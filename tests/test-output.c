/* test-output.c - the report writers: escaping for each format, the JSON
 * contract keys and the close_code contract, CSV quoting and the formula
 * guard, the text table and its totals.
 *
 * Records are built by hand, so every expected value below follows from how
 * the record was filled in.  JSON output is also checked by a small strict
 * JSON syntax checker (RFC 8259) kept in this file, with the top-level keys
 * collected so the contract keys can be checked for presence and uniqueness.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "closecodes.h"
#include "communityid.h"
#include "output-fields.h"
#include "conn.h"
#include "conn-builder.h"
#include "diagnose.h"
#include "output.h"
#include "test-ctx.h"

/* ---- a strict JSON checker -------------------------------------------------- */

typedef struct {
  const char *p, *end;
  int depth;
  GHashTable *top_keys;   /* keys of the outermost object (owned copies) */
  bool dup_key;
} jcheck;

static bool jc_value (jcheck *j);

static void
jc_ws (jcheck *j)
{
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    j->p++;
}

/* a string; *out gets its raw (still escaped) text when out is given */
static bool
jc_string (jcheck *j, char **out)
{
  const char *start;

  if (j->p >= j->end || *j->p != '"')
    return false;
  start = ++j->p;
  while (j->p < j->end && *j->p != '"')
    {
      unsigned char ch = (unsigned char) *j->p;
      if (ch < 0x20)
        return false;
      if (ch == '\\')
        {
          j->p++;
          if (j->p >= j->end)
            return false;
          if (*j->p == 'u')
            {
              for (int i = 1; i <= 4; i++)
                if (j->p + i >= j->end || !g_ascii_isxdigit (j->p[i]))
                  return false;
              j->p += 4;
            }
          else if (!strchr ("\"\\/bfnrt", *j->p))
            return false;
        }
      j->p++;
    }
  if (j->p >= j->end)
    return false;
  if (out)
    *out = g_strndup (start, j->p - start);
  j->p++;
  return true;
}

static bool
jc_number (jcheck *j)
{
  const char *s = j->p;

  if (j->p < j->end && *j->p == '-')
    j->p++;
  if (j->p >= j->end || !g_ascii_isdigit (*j->p))
    return false;
  if (*j->p == '0')
    j->p++;
  else
    while (j->p < j->end && g_ascii_isdigit (*j->p))
      j->p++;
  if (j->p < j->end && *j->p == '.')
    {
      j->p++;
      if (j->p >= j->end || !g_ascii_isdigit (*j->p))
        return false;
      while (j->p < j->end && g_ascii_isdigit (*j->p))
        j->p++;
    }
  return j->p > s;
}

static bool
jc_lit (jcheck *j, const char *lit)
{
  size_t n = strlen (lit);

  if ((size_t) (j->end - j->p) < n || memcmp (j->p, lit, n) != 0)
    return false;
  j->p += n;
  return true;
}

static bool
jc_value (jcheck *j)
{
  bool ok = true;

  jc_ws (j);
  if (j->p >= j->end || j->depth > 32)
    return false;
  switch (*j->p)
    {
    case '{':
      j->p++;
      j->depth++;
      jc_ws (j);
      if (j->p < j->end && *j->p == '}')
        {
          j->p++;
          break;
        }
      for (;;)
        {
          char *k = NULL;
          jc_ws (j);
          if (!jc_string (j, &k))
            return false;
          if (j->depth == 1 && j->top_keys)
            {
              if (g_hash_table_contains (j->top_keys, k))
                j->dup_key = true;
              g_hash_table_add (j->top_keys, k);
            }
          else
            g_free (k);
          jc_ws (j);
          if (j->p >= j->end || *j->p != ':')
            return false;
          j->p++;
          if (!jc_value (j))
            return false;
          jc_ws (j);
          if (j->p < j->end && *j->p == ',')
            {
              j->p++;
              continue;
            }
          if (j->p < j->end && *j->p == '}')
            {
              j->p++;
              break;
            }
          return false;
        }
      j->depth--;
      break;
    case '[':
      j->p++;
      j->depth++;
      jc_ws (j);
      if (j->p < j->end && *j->p == ']')
        {
          j->p++;
          j->depth--;
          break;
        }
      for (;;)
        {
          if (!jc_value (j))
            return false;
          jc_ws (j);
          if (j->p < j->end && *j->p == ',')
            {
              j->p++;
              continue;
            }
          if (j->p < j->end && *j->p == ']')
            {
              j->p++;
              break;
            }
          return false;
        }
      j->depth--;
      break;
    case '"':
      ok = jc_string (j, NULL);
      break;
    case 't':
      ok = jc_lit (j, "true");
      break;
    case 'f':
      ok = jc_lit (j, "false");
      break;
    case 'n':
      ok = jc_lit (j, "null");
      break;
    default:
      ok = jc_number (j);
    }
  return ok;
}

/* Checks that s is one JSON object in valid UTF-8 with no duplicate
 * top-level key; returns its top-level keys. */
static GHashTable *
assert_json_object (const char *s)
{
  jcheck j = { s, s + strlen (s), 0, NULL, false };

  j.top_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_assert_true (g_utf8_validate (s, -1, NULL));
  g_assert_cmpint (s[0], ==, '{');
  if (!jc_value (&j))
    g_error ("not valid JSON near offset %td: %s", j.p - s, s);
  jc_ws (&j);
  g_assert_true (j.p == j.end);
  g_assert_false (j.dup_key);
  return j.top_keys;
}

/* "key":value appears, followed by , or } (so 10 does not match 100) */
static void
assert_kv (const char *json, const char *key, const char *value)
{
  g_autofree char *needle = g_strdup_printf ("\"%s\":%s", key, value);
  const char *p = json;
  size_t n = strlen (needle);

  while ((p = strstr (p, needle)) != NULL)
    {
      if (p[n] == ',' || p[n] == '}' || p[n] == ']')
        return;
      p++;
    }
  g_error ("%s not found in %s", needle, json);
}

/* ---- records ------------------------------------------------------------------ */

/* a name of our own, so conn.h may define its own cleanup for ws_conn later */
typedef ws_conn test_conn;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (test_conn, ws_conn_free)

/* The record every writer test starts from: connection 7, 10.0.0.1:50000 ->
 * 192.168.1.2:8765, GET /chat with Host example.com, 101, started at T0 +
 * 0.123456 s, its last packet at T0 + 5.000001 s (END_S), 3 client and 4
 * server frames, 300 and 400 TCP bytes, still open. */
#define END_S 5.000001

static ws_conn *
make_conn (void)
{
  ws_conn *c = cb_conn (7, 1);

  cb_shift (c, 123456);
  cb_endpoints (c, "10.0.0.1", 50000, "192.168.1.2", 8765);
  cb_request (c, "example.com", "/chat");
  cb_frames (c, WS_SIDE_CLIENT, 3, 1);
  cb_frames (c, WS_SIDE_SERVER, 4, 1);
  cb_bytes (c, WS_SIDE_CLIENT, 300);
  cb_bytes (c, WS_SIDE_SERVER, 400);
  cb_last_packet (c, END_S);
  return c;
}

/* A connection with this host that `closer` closed first (at T0 + 4 s)
 * with code and reason. */
static ws_conn *
make_closed_conn (const char *host, ws_side closer, int code, const char *reason)
{
  ws_conn *c = make_conn ();
  cb_request (c, host, c->path);
  cb_close (c, closer, code, reason, 4);
  return c;
}

static char *
json_of (const ws_conn *c)
{
  GString *s = g_string_new (NULL);
  ws_json_record (s, c);
  return g_string_free (s, FALSE);
}

static char *
json_str (const char *s, size_t len)
{
  GString *o = g_string_new (NULL);
  ws_json_string (o, s, len);
  return g_string_free (o, FALSE);
}

/* ---- JSON escaping -------------------------------------------------------------- */

static void
check_json_str (const char *in, size_t len, const char *expected)
{
  g_autofree char *got = json_str (in, len);
  g_autofree char *wrapped = g_strdup_printf ("{\"k\":%s}", got);
  g_autoptr (GHashTable) keys = NULL;

  g_assert_cmpstr (got, ==, expected);
  keys = assert_json_object (wrapped);
}

static void
test_json_escape_basic (void)
{
  check_json_str ("plain", 5, "\"plain\"");
  check_json_str ("", 0, "\"\"");
  check_json_str ("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
  check_json_str ("<script>alert(1)</script>", 25, "\"<script>alert(1)</script>\"");
  /* the length is what counts, not a NUL */
  check_json_str ("abcdef", 3, "\"abc\"");
}

static void
test_json_escape_null (void)
{
  g_autofree char *got = json_str (NULL, 0);
  g_assert_cmpstr (got, ==, "null");
}

static void
test_json_escape_control (void)
{
  check_json_str ("\x01\n\r\t\x1b[31m\x7f", 10,
                  "\"\\u0001\\u000a\\u000d\\u0009\\u001b[31m\\u007f\"");
  /* an embedded NUL byte, too */
  check_json_str ("a\0b", 3, "\"a\\u0000b\"");
  /* C1 control U+009B (CSI) and the JavaScript line separators */
  check_json_str ("\xc2\x9b" "1m", 4, "\"\\u009b1m\"");
  check_json_str ("x\xe2\x80\xa8y\xe2\x80\xa9", 8, "\"x\\u2028y\\u2029\"");
}

static void
test_json_escape_utf8 (void)
{
  /* well-formed UTF-8 passes unchanged: e-acute, CJK, an emoji */
  check_json_str ("caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80", 14,
                  "\"caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80\"");
  /* each byte outside a well-formed sequence becomes U+FFFD */
  check_json_str ("a\xff" "b", 3, "\"a\xef\xbf\xbd" "b\"");
  check_json_str ("\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"");            /* overlong '/' */
  check_json_str ("\xed\xa0\x80", 3,                                          /* surrogate */
                  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
  check_json_str ("\xf4\x90\x80\x80", 4,                                      /* > U+10FFFF */
                  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
  check_json_str ("\xe2\x82", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"");           /* cut short */
  check_json_str ("\xe2\x82" "A", 3, "\"\xef\xbf\xbd\xef\xbf\xbd" "A\"");
  /* a sequence cut by the length, though the byte after it would finish it */
  check_json_str ("\xc3\xa9", 1, "\"\xef\xbf\xbd\"");
}

static void
test_json_ts (void)
{
  static const struct { int64_t us; const char *s; } cases[] = {
    { 1, "0.000001" },
    { 1000000, "1.000000" },
    { G_GINT64_CONSTANT (1700000000123456), "1700000000.123456" },
    { -1500000, "-1.500000" },
    { G_MININT64, "-9223372036854.775808" },
  };

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GString) s = g_string_new (NULL);
      ws_ts_append (s, cases[i].us);
      g_assert_cmpstr (s->str, ==, cases[i].s);
    }
}

/* Timestamps against printf's formatting: random magnitudes of every
 * length, both signs, and the digits that carry. */
static void
test_json_ts_random (void)
{
  GRand *r = g_rand_new_with_seed (6455);

  for (int i = 0; i < 200000; i++)
    {
      int64_t us;
      switch (i % 4)
        {
        case 0: us = (int64_t) g_rand_int (r) * (int64_t) g_rand_int_range (r, 0, G_MAXINT32); break;
        case 1: us = (int64_t) g_rand_int_range (r, 0, 100000000); break;
        case 2: us = -(int64_t) g_rand_int (r); break;
        default: us = (int64_t) (((uint64_t) g_rand_int (r) << 32 | g_rand_int (r)) >> (i % 40)); break;
        }
      uint64_t mag = us < 0 ? (uint64_t) 0 - (uint64_t) us : (uint64_t) us;
      g_autofree char *want = g_strdup_printf ("%s%" G_GUINT64_FORMAT ".%06" G_GUINT64_FORMAT,
                                               us < 0 ? "-" : "", mag / 1000000, mag % 1000000);
      g_autoptr (GString) s = g_string_new (NULL);
      ws_ts_append (s, us);
      g_assert_cmpstr (s->str, ==, want);
    }
  g_rand_free (r);
}

/* A byte to escape at every position of plain text of every length up to
 * 70, so that it falls in the 16-byte blocks, the 8-byte words and the
 * bytes after them. */
static void
test_json_escape_positions (void)
{
  static const struct { char b; const char *esc; } specials[] = {
    { '"', "\\\"" }, { '\\', "\\\\" }, { '\n', "\\u000a" }, { 0x7f, "\\u007f" },
    { 0x01, "\\u0001" }, { (char) 0xff, "\xef\xbf\xbd" },
  };

  for (size_t len = 1; len <= 70; len++)
    for (size_t at = 0; at < len; at++)
      for (size_t k = 0; k < G_N_ELEMENTS (specials); k++)
        {
          g_autofree char *in = g_malloc (len);
          g_autoptr (GString) want = g_string_new ("\"");
          g_autoptr (GString) got = g_string_new (NULL);
          for (size_t i = 0; i < len; i++)
            in[i] = (char) ('a' + i % 26);
          in[at] = specials[k].b;
          g_string_append_len (want, in, (gssize) at);
          g_string_append (want, specials[k].esc);
          g_string_append_len (want, in + at + 1, (gssize) (len - at - 1));
          g_string_append_c (want, '"');
          ws_json_string (got, in, len);
          g_assert_cmpstr (got->str, ==, want->str);
        }
}

/* The escaping of the header comment of output.c, written plainly, one
 * character at a time with GLib's UTF-8 decoder. */
static void
json_escape_reference (GString *o, const char *s, size_t len)
{
  size_t i = 0;

  g_string_append_c (o, '"');
  while (i < len)
    {
      guchar b = (guchar) s[i];
      if (b < 0x80)
        {
          if (b == '"' || b == '\\')
            g_string_append_printf (o, "\\%c", b);
          else if (b < 0x20 || b == 0x7f)
            g_string_append_printf (o, "\\u%04x", b);
          else
            g_string_append_c (o, (char) b);
          i++;
          continue;
        }
      gunichar cp = g_utf8_get_char_validated (s + i, (gssize) (len - i));
      if (cp == (gunichar) -1 || cp == (gunichar) -2)
        {
          g_string_append (o, "\xef\xbf\xbd");
          i++;
          continue;
        }
      size_t n = (size_t) g_unichar_to_utf8 (cp, NULL);
      if (cp <= 0x9f || cp == 0x2028 || cp == 0x2029)
        g_string_append_printf (o, "\\u%04x", cp);
      else
        g_string_append_len (o, s + i, (gssize) n);
      i += n;
    }
  g_string_append_c (o, '"');
}

typedef void (*escaper) (GString *out, const char *s, size_t len);

/* 50k random strings (up to 90 bytes of printable ASCII with, now and then,
 * one of pieces), each escaped by escape after prefix, against reference. */
static void
check_escaper_random (guint32 seed, const char *const *pieces, size_t n_pieces,
                      escaper reference, escaper escape, const char *prefix)
{
  GRand *r = g_rand_new_with_seed (seed);

  for (int t = 0; t < 50000; t++)
    {
      g_autoptr (GString) in = g_string_new (NULL);
      g_autoptr (GString) want = g_string_new (prefix);
      g_autoptr (GString) got = g_string_new (prefix);
      int len = g_rand_int_range (r, 0, 90);
      while ((int) in->len < len)
        {
          if (g_rand_int_range (r, 0, 12) == 0)
            g_string_append (in, pieces[g_rand_int_range (r, 0, (gint32) n_pieces)]);
          else
            g_string_append_c (in, (char) g_rand_int_range (r, 0x20, 0x7f));
        }
      reference (want, in->str, in->len);
      escape (got, in->str, in->len);
      g_assert_cmpstr (got->str, ==, want->str);
    }
  g_rand_free (r);
}

/* Random strings, mostly plain text with escapes, UTF-8 (good and bad) and
 * control bytes scattered in, against the reference. */
static void
test_json_escape_random (void)
{
  static const char *const pieces[] = {
    "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xe2\x80\xa8", "\xc2\x85", "\xff",
    "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\"", "\\", "\n", "\x7f", "\x01",
  };

  check_escaper_random (7692, pieces, G_N_ELEMENTS (pieces), json_escape_reference,
                        ws_json_string, "x");
}

/* The per-direction statistics at their widest: every counter at its
 * maximum and every timestamp at its most negative, written whole. */
static void
test_json_stats_widest (void)
{
  g_autoptr (test_conn) c = make_conn ();
  g_autofree char *j = NULL;
  const char *max = "18446744073709551615", *min_ts = "-9223372036854.775808";

  for (int s = 0; s < 2; s++)
    {
      ws_dir_stats *d = &c->dir[s];
      d->frames = d->frame_bytes = d->payload_bytes = d->tcp_bytes = G_MAXUINT64;
      d->messages = d->text_messages = d->binary_messages = G_MAXUINT64;
      d->compressed_messages = d->pings = d->pongs = d->closes = G_MAXUINT64;
      d->largest_message = d->last_message = d->largest_control = G_MAXUINT64;
      d->open_message = d->gap_bytes = G_MAXUINT64;
      d->gaps = d->resyncs = G_MAXUINT32;
      d->first_frame_us = d->last_frame_us = d->last_data_us = G_MININT64;
      d->last_ping_us = d->last_pong_us = G_MININT64;
      c->fin[s] = c->rst[s] = true;
      c->fin_us[s] = c->rst_us[s] = G_MININT64;
      d->desynced = d->inflate_capped = d->wire_sizes = true;
    }
  j = json_of (c);
  g_autofree char *want = g_strdup_printf (
    "{\"frames\":%s,\"frame_bytes\":%s,\"payload_bytes\":%s,\"tcp_bytes\":%s,"
    "\"messages\":%s,\"text_messages\":%s,\"binary_messages\":%s,"
    "\"compressed_messages\":%s,\"pings\":%s,\"pongs\":%s,\"closes\":%s,"
    "\"largest_message\":%s,\"last_message\":%s,\"largest_control\":%s,"
    "\"open_message\":%s,\"first_frame_ts\":%s,\"last_frame_ts\":%s,\"last_data_ts\":%s,"
    "\"last_ping_ts\":%s,\"last_pong_ts\":%s,\"fin_ts\":%s,\"rst_ts\":%s,"
    "\"gaps\":4294967295,\"gap_bytes\":%s,\"resyncs\":4294967295,\"desynced\":true,\"inflate_capped\":true,\"wire_sizes\":true}",
    max, max, max, max, max, max, max, max, max, max, max, max, max, max, max,
    min_ts, min_ts, min_ts, min_ts, min_ts, min_ts, min_ts, max);
  g_autofree char *both = g_strdup_printf ("\"stats\":{\"client\":%s,\"server\":%s}", want, want);
  if (!strstr (j, both))
    g_error ("stats not as expected: %s", j);
}

/* ---- the JSON record ------------------------------------------------------------- */

static const char *const contract_keys[] = {
  "client_ip", "client_port", "server_ip", "server_port", "start_ts", "end_ts",
  "host", "path", "handshake_status", "accept_valid", "offered_extensions",
  "accepted_extensions", "offered_subprotocols", "accepted_subprotocol",
  "close_code", "close_reason", "close_initiator", "close_echoed", "tcp_end",
  "tcp_end_by", "client_frames", "server_frames", "client_bytes",
  "server_bytes", "violations",
  /* and these, promised to other consumers */
  "id", "origin", "user_agent", "ws_version", "handshake_reason", "server_software",
  "midstream", "kind", "close_frames", "stats", "permessage_deflate", "limits",
  "cause",
};

static void
test_json_record_keys (void)
{
  g_autoptr (test_conn) c = make_conn ();
  g_autofree char *j = NULL;
  g_autoptr (GHashTable) keys = NULL;

  j = json_of (c);
  keys = assert_json_object (j);
  for (size_t i = 0; i < G_N_ELEMENTS (contract_keys); i++)
    if (!g_hash_table_contains (keys, contract_keys[i]))
      g_error ("key %s missing from %s", contract_keys[i], j);

  assert_kv (j, "id", "7");
  assert_kv (j, "client_ip", "\"10.0.0.1\"");
  assert_kv (j, "client_port", "50000");
  assert_kv (j, "server_ip", "\"192.168.1.2\"");
  assert_kv (j, "server_port", "8765");
  assert_kv (j, "start_ts", "1700000000.123456");
  assert_kv (j, "end_ts", "1700000005.000001");
  assert_kv (j, "host", "\"example.com\"");
  assert_kv (j, "path", "\"/chat\"");
  assert_kv (j, "handshake_status", "101");
  assert_kv (j, "accept_valid", "true");
  assert_kv (j, "offered_extensions", "null");
  assert_kv (j, "accepted_subprotocol", "null");
  assert_kv (j, "origin", "null");
  assert_kv (j, "client_frames", "3");
  assert_kv (j, "server_frames", "4");
  assert_kv (j, "client_bytes", "300");
  assert_kv (j, "server_bytes", "400");
  assert_kv (j, "violations", "[]");
  assert_kv (j, "limits", "[]");
  assert_kv (j, "cause", "null");
  assert_kv (j, "midstream", "false");
  assert_kv (j, "kind", "\"websocket\"");
}

static void
test_json_record_handshake_unknown (void)
{
  g_autoptr (test_conn) c = make_conn ();
  g_autofree char *j = NULL;
  g_autoptr (GHashTable) keys = NULL;

  cb_midstream (c);
  c->end_us = 0;
  j = json_of (c);
  keys = assert_json_object (j);
  assert_kv (j, "handshake_status", "null");
  assert_kv (j, "accept_valid", "null");
  assert_kv (j, "host", "null");
  assert_kv (j, "path", "null");
  assert_kv (j, "end_ts", "null");
  assert_kv (j, "midstream", "true");
  g_free (j);

  cb_reject (c, 403, "Forbidden");
  cb_accept (c, NULL, false);
  j = json_of (c);
  assert_kv (j, "handshake_status", "403");
  assert_kv (j, "accept_valid", "false");
  assert_kv (j, "handshake_reason", "\"Forbidden\"");
}

static void
test_json_record_extensions (void)
{
  g_autoptr (test_conn) c = make_conn ();
  g_autofree char *j = NULL;
  g_autoptr (GHashTable) keys = NULL;

  cb_extensions (c, "permessage-deflate; client_max_window_bits",
                 "permessage-deflate; server_no_context_takeover");
  cb_subprotocols (c, "chat, superchat", "chat");
  c->pmd.enabled = true;
  c->pmd.server_no_context_takeover = true;
  c->pmd.server_max_window_bits = 15;
  c->pmd.client_max_window_bits = 12;
  j = json_of (c);
  keys = assert_json_object (j);
  assert_kv (j, "offered_extensions", "\"permessage-deflate; client_max_window_bits\"");
  assert_kv (j, "accepted_extensions", "\"permessage-deflate; server_no_context_takeover\"");
  assert_kv (j, "offered_subprotocols", "\"chat, superchat\"");
  assert_kv (j, "accepted_subprotocol", "\"chat\"");
  /* inflated: the default settings inflate (test_ctx) */
  assert_kv (j, "permessage_deflate",
             "{\"enabled\":true,\"server_no_context_takeover\":true,"
             "\"client_no_context_takeover\":false,\"server_max_window_bits\":15,"
             "\"client_max_window_bits\":12,\"inflated\":true}");
  /* not when the inflaters ran out */
  c->limits |= WS_LIMIT_INFLATERS;
  g_free (j);
  j = json_of (c);
  assert_kv (j, "permessage_deflate",
             "{\"enabled\":true,\"server_no_context_takeover\":true,"
             "\"client_no_context_takeover\":false,\"server_max_window_bits\":15,"
             "\"client_max_window_bits\":12,\"inflated\":false}");
}

/* close_code contract: the code in the first close frame, 1005 for an empty
 * body, 1006 when TCP ended without a close frame, null while open. */
static void
test_json_close_normal_echoed (void)
{
  g_autoptr (test_conn) c = make_conn ();
  g_autofree char *j = NULL;
  g_autoptr (GHashTable) keys = NULL;

  cb_close (c, WS_SIDE_CLIENT, 1000, "bye", 4);
  cb_close (c, WS_SIDE_SERVER, 1000, NULL, 4.0001);
  cb_fin (c, WS_SIDE_SERVER, END_S);
  j = json_of (c);
  keys = assert_json_object (j);
  assert_kv (j, "close_code", "1000");
  assert_kv (j, "close_reason", "\"bye\"");
  assert_kv (j, "close_initiator", "\"client\"");
  assert_kv (j, "close_echoed", "true");
  assert_kv (j, "tcp_end", "\"fin\"");
  assert_kv (j, "tcp_end_by", "\"server\"");
  assert_kv (j, "close_frames",
             "{\"client\":{\"code\":1000,\"reason\":\"bye\",\"ts\":1700000004.000000,"
             "\"payload_len\":5,\"reason_truncated\":false},"
             "\"server\":{\"code\":1000,\"reason\":null,\"ts\":1700000004.000100,"
             "\"payload_len\":2,\"reason_truncated\":false}}");
}

static void
test_json_close_empty_body (void)
{
  g_autoptr (test_conn) c = make_conn ();
  g_autofree char *j = NULL;

  cb_close (c, WS_SIDE_SERVER, -1, NULL, 4);
  cb_fin (c, WS_SIDE_SERVER, END_S);
  j = json_of (c);
  assert_kv (j, "close_code", "1005");
  assert_kv (j, "close_reason", "null");
  assert_kv (j, "close_initiator", "\"server\"");
  assert_kv (j, "close_echoed", "false");
  assert_kv (j, "server", "{\"code\":null,\"reason\":null,\"ts\":1700000004.000000,"
                          "\"payload_len\":0,\"reason_truncated\":false}");
}

static void
test_json_close_none_fin (void)
{
  g_autoptr (test_conn) c = make_conn ();
  g_autofree char *j = NULL;

  cb_fin (c, WS_SIDE_CLIENT, END_S);
  j = json_of (c);
  assert_kv (j, "close_code", "1006");
  assert_kv (j, "close_reason", "null");
  assert_kv (j, "close_initiator", "null");
  assert_kv (j, "close_echoed", "false");
  assert_kv (j, "tcp_end", "\"fin\"");
  assert_kv (j, "tcp_end_by", "\"client\"");
  assert_kv (j, "close_frames", "{\"client\":null,\"server\":null}");
}

static void
test_json_close_none_rst (void)
{
  g_autoptr (test_conn) c = make_conn ();
  g_autofree char *j = NULL;

  cb_rst (c, WS_SIDE_SERVER, END_S);
  j = json_of (c);
  assert_kv (j, "close_code", "1006");
  assert_kv (j, "tcp_end", "\"rst\"");
  assert_kv (j, "tcp_end_by", "\"server\"");
}

static void
test_json_close_open (void)
{
  g_autoptr (test_conn) c = make_conn ();
  g_autofree char *j = NULL;

  c->end_us = 0;
  j = json_of (c);
  assert_kv (j, "close_code", "null");
  assert_kv (j, "close_initiator", "null");
  assert_kv (j, "tcp_end", "\"open\"");
  assert_kv (j, "tcp_end_by", "null");
  assert_kv (j, "end_ts", "null");
}

static void
test_json_close_reason_hostile (void)
{
  g_autoptr (test_conn) c = make_conn ();
  g_autofree char *j = NULL;
  g_autoptr (GHashTable) keys = NULL;

  /* a 4001 close with a reason full of things a consumer must not trip on */
  cb_close (c, WS_SIDE_SERVER, 4001, "<script>\"x\"\\\x1b[2J\xff</script>", 4);
  cb_fin (c, WS_SIDE_SERVER, END_S);
  j = json_of (c);
  keys = assert_json_object (j);
  assert_kv (j, "close_code", "4001");
  assert_kv (j, "close_reason",
             "\"<script>\\\"x\\\"\\\\\\u001b[2J\xef\xbf\xbd</script>\"");
  g_assert_null (strchr (j, '\x1b'));

  /* an empty reason is null */
  cb_close (c, WS_SIDE_SERVER, 4001, "", 4);
  g_free (j);
  j = json_of (c);
  assert_kv (j, "close_reason", "null");
}

static void
test_json_violations_limits (void)
{
  g_autoptr (test_conn) c = make_conn ();
  g_autofree char *j = NULL;
  g_autoptr (GHashTable) keys = NULL;
  g_autofree char *expect = NULL;

  cb_violation (c, WS_VIOL_UNMASKED_CLIENT_FRAME, WS_SIDE_CLIENT, 2.5, 10, "opcode 1 \"q\"");
  cb_violation (c, WS_VIOL_MASKED_SERVER_FRAME, WS_SIDE_SERVER, 3, 0, NULL);
  /* a detail that fills the array without a NUL must not be over-read */
  memset (c->violations[1].detail, 'x', sizeof c->violations[1].detail);
  c->limits = WS_LIMIT_INFLATE | WS_LIMIT_EVICTED;
  j = json_of (c);
  keys = assert_json_object (j);
  expect = g_strdup_printf ("[{\"kind\":\"%s\",\"side\":\"client\",\"ts\":1700000002.500000,"
                            "\"offset\":10,\"detail\":\"opcode 1 \\\"q\\\"\"},"
                            "{\"kind\":\"%s\",\"side\":\"server\",\"ts\":1700000003.000000,"
                            "\"offset\":0,\"detail\":\"%.80s\"}]",
                            ws_violation_name (WS_VIOL_UNMASKED_CLIENT_FRAME),
                            ws_violation_name (WS_VIOL_MASKED_SERVER_FRAME),
                            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  assert_kv (j, "violations", expect);
  assert_kv (j, "limits", "[\"inflate\",\"evicted\"]");
}

static void
test_json_cause (void)
{
  g_autoptr (test_conn) c = make_conn ();
  g_autofree char *j = NULL;
  g_autoptr (GHashTable) keys = NULL;

  cb_fin (c, WS_SIDE_SERVER, END_S);
  cb_cause (c, "idle_timeout", "high", "Closed after 60 s idle", "Send pings");
  c->cause.detail = g_strdup ("nginx");
  cb_evidence (c, 1000000, "no frame for 60.0 s");
  cb_evidence (c, 0, "line\nbreak");
  j = json_of (c);
  keys = assert_json_object (j);
  assert_kv (j, "cause",
             "{\"id\":\"idle_timeout\",\"detail\":\"nginx\","
             "\"summary\":\"Closed after 60 s idle\",\"fix\":\"Send pings\","
             "\"confidence\":\"high\",\"evidence\":["
             "{\"ts\":1.000000,\"text\":\"no frame for 60.0 s\"},"
             "{\"ts\":null,\"text\":\"line\\u000abreak\"}]}");
}

static void
test_json_ipv6 (void)
{
  g_autoptr (test_conn) c = make_conn ();
  g_autofree char *j = NULL;

  cb_addr (&c->addr[WS_SIDE_CLIENT], "::1");
  j = json_of (c);
  assert_kv (j, "client_ip", "\"::1\"");
}

/* Random text for the string members of a record: printable ASCII with,
 * now and then, one of pieces; no NUL (the members are C strings).  Now and
 * then long, so that a record outgrows the buffer in the middle of a
 * string. */
static char *
random_text (GRand *r, const char *const *pieces, size_t n_pieces)
{
  GString *s = g_string_new (NULL);
  int len = g_rand_int_range (r, 0, 8) == 0 ? g_rand_int_range (r, 0, 3000)
                                             : g_rand_int_range (r, 0, 60);

  while ((int) s->len < len)
    {
      if (g_rand_int_range (r, 0, 10) == 0)
        g_string_append (s, pieces[g_rand_int_range (r, 0, (gint32) n_pieces)]);
      else
        g_string_append_c (s, (char) g_rand_int_range (r, 0x20, 0x7f));
    }
  return g_string_free (s, FALSE);
}

/* "key":value for a string member, its value escaped by the reference */
static void
assert_kv_escaped (const char *json, const char *key, const char *s)
{
  g_autoptr (GString) v = g_string_new (NULL);

  json_escape_reference (v, s, strlen (s));
  assert_kv (json, key, v->str);
}

/* Every string member of a record filled with random text, written after
 * some text already in a small buffer: each member is the reference
 * escaping of its text, the record is valid JSON, and what came before it
 * is left as it was. */
static void
test_json_record_strings_random (void)
{
  static const char *const pieces[] = {
    "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xe2\x80\xa8", "\xe2\x80\xa9", "\xc2\x85",
    "\xc2\x9b", "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\"", "\\", "\n", "\x7f",
    "\x01", "\x1b[2J", "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f",
  };
  static const char *const keys[] = {
    "method", "host", "path", "origin", "user_agent", "ws_version", "handshake_reason",
    "server_software", "offered_extensions", "accepted_extensions", "offered_subprotocols",
    "accepted_subprotocol", "handshake_problem",
  };
  GRand *r = g_rand_new_with_seed (4180);

  for (int t = 0; t < 300; t++)
    {
      g_autoptr (test_conn) c = make_conn ();
      char **fields[] = {
        &c->method, &c->host, &c->path, &c->origin, &c->user_agent, &c->ws_version,
        &c->handshake_reason, &c->server_header, &c->offered_extensions,
        &c->accepted_extensions, &c->offered_subprotocols, &c->accepted_subprotocol,
        &c->handshake_problem,
      };
      g_autoptr (GString) out = g_string_sized_new (2);
      g_autoptr (GHashTable) top = NULL;
      g_autofree char *reason = random_text (r, pieces, G_N_ELEMENTS (pieces));
      g_autofree char *ev_text = random_text (r, pieces, G_N_ELEMENTS (pieces));
      const char *json;

      G_STATIC_ASSERT (G_N_ELEMENTS (fields) == G_N_ELEMENTS (keys));
      for (size_t i = 0; i < G_N_ELEMENTS (fields); i++)
        {
          g_free (*fields[i]);
          *fields[i] = random_text (r, pieces, G_N_ELEMENTS (pieces));
        }
      /* a reason of at least one byte, or the record has none */
      cb_close (c, WS_SIDE_CLIENT, 4000, *reason ? reason : "x", 4);
      cb_cause (c, "some_cause", "high", NULL, NULL);
      c->cause.summary = random_text (r, pieces, G_N_ELEMENTS (pieces));
      c->cause.fix = random_text (r, pieces, G_N_ELEMENTS (pieces));
      c->cause.detail = random_text (r, pieces, G_N_ELEMENTS (pieces));
      cb_evidence (c, 1, ev_text);

      g_string_append (out, "before");
      ws_json_record (out, c);
      g_assert_true (g_str_has_prefix (out->str, "before{"));
      g_assert_cmpuint (strlen (out->str), ==, out->len);
      json = out->str + strlen ("before");
      top = assert_json_object (json);
      for (size_t i = 0; i < G_N_ELEMENTS (fields); i++)
        assert_kv_escaped (json, keys[i], *fields[i]);
      assert_kv_escaped (json, "close_reason", c->close[WS_SIDE_CLIENT].reason);
      assert_kv_escaped (json, "reason", c->close[WS_SIDE_CLIENT].reason);
      assert_kv_escaped (json, "summary", c->cause.summary);
      assert_kv_escaped (json, "fix", c->cause.fix);
      assert_kv_escaped (json, "detail", c->cause.detail);
      assert_kv_escaped (json, "text", ev_text);
    }
  g_rand_free (r);
}

/* The longest a string can grow: every byte a control byte written as
 * \u00XX, 6 bytes for 1, in a buffer that starts small. */
static void
test_json_record_strings_widest (void)
{
  g_autoptr (test_conn) c = make_conn ();
  g_autofree char *j = NULL;
  g_autoptr (GString) want = g_string_new ("\"");
  g_autoptr (GHashTable) keys = NULL;

  g_free (c->user_agent);
  c->user_agent = g_malloc (5001);
  memset (c->user_agent, 0x01, 5000);
  c->user_agent[5000] = '\0';
  for (int i = 0; i < 5000; i++)
    g_string_append (want, "\\u0001");
  g_string_append_c (want, '"');
  j = json_of (c);
  keys = assert_json_object (j);
  assert_kv (j, "user_agent", want->str);
}

/* ---- CSV ---------------------------------------------------------------------------- */

static void
check_csv (const char *in, const char *expected)
{
  g_autoptr (GString) s = g_string_new (NULL);

  ws_csv_field (s, in);
  g_assert_cmpstr (s->str, ==, expected);
}

static void
test_csv_field (void)
{
  check_csv (NULL, "");
  check_csv ("", "\"\"");
  check_csv ("abc", "\"abc\"");
  check_csv ("a\"b", "\"a\"\"b\"");
  check_csv ("a,b\r\nc", "\"a,b\r\nc\"");
  check_csv ("caf\xc3\xa9", "\"caf\xc3\xa9\"");
  check_csv ("a\xff", "\"a\xef\xbf\xbd\"");
}

static void
test_csv_formula_guard (void)
{
  check_csv ("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"");
  check_csv ("+1", "\"'+1\"");
  check_csv ("-2+3", "\"'-2+3\"");
  check_csv ("@SUM(A1)", "\"'@SUM(A1)\"");
  check_csv ("\tx", "\"'\tx\"");
  check_csv ("\rx", "\"'\rx\"");
  /* only the first character matters */
  check_csv ("a=b", "\"a=b\"");
  check_csv (" =x", "\" =x\"");
}

/* Control characters are shown as \xNN, byte by byte, as the text table
 * shows them, so that a hostile reason or header cannot run an escape
 * sequence on the terminal of someone who shows the file.  TAB, LF and CR
 * are values a quoted field holds. */
static void
test_csv_controls (void)
{
  for (int b = 0x01; b <= 0x7f; b++)
    {
      char in[4] = { 'a', (char) b, 'b', '\0' };
      g_autofree char *want = NULL;

      if (b == '"')
        want = g_strdup ("\"a\"\"b\"");
      else if ((b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7f)
        want = g_strdup_printf ("\"a\\x%02xb\"", b);
      else
        want = g_strdup_printf ("\"a%cb\"", b);
      check_csv (in, want);
    }
  /* C1 controls arrive as two bytes of UTF-8: each is shown */
  for (int cp = 0x80; cp <= 0x9f; cp++)
    {
      char in[3] = { (char) (0xc0 | cp >> 6), (char) (0x80 | (cp & 0x3f)), '\0' };
      g_autofree char *want = g_strdup_printf ("\"\\x%02x\\x%02x\"", 0xc0 | cp >> 6,
                                               0x80 | (cp & 0x3f));
      check_csv (in, want);
    }
  /* the characters next to them pass */
  check_csv ("\xc2\xa0~", "\"\xc2\xa0~\"");
  /* a terminal title (OSC ... BEL) and a CSI sequence */
  check_csv ("\x1b]0;pwned\x07ok", "\"\\x1b]0;pwned\\x07ok\"");
  check_csv ("\xc2\x9b" "2J", "\"\\xc2\\x9b2J\"");
  /* a field that now starts with a backslash needs no formula guard; one
   * that starts with TAB or CR still gets it */
  check_csv ("\x1b=1", "\"\\x1b=1\"");
  check_csv ("\t\x1b", "\"'\t\\x1b\"");
  /* next to bad UTF-8 and a doubled quote */
  check_csv ("\xff\x1b\"", "\"\xef\xbf\xbd\\x1b\"\"\"");
}

/* Random strings with controls, bad UTF-8 and quotes scattered in: what
 * comes out is valid UTF-8 with no control character but TAB, LF and CR. */
static void
test_csv_controls_random (void)
{
  GRand *r = g_rand_new_with_seed (1234);

  for (int t = 0; t < 20000; t++)
    {
      g_autoptr (GString) in = g_string_new (NULL);
      g_autoptr (GString) out = g_string_new (NULL);
      int len = g_rand_int_range (r, 0, 40);
      const char *p, *end;

      while ((int) in->len < len)
        {
          int k = g_rand_int_range (r, 0, 6);
          if (k == 0)
            g_string_append_c (in, (char) g_rand_int_range (r, 1, 0x20));
          else if (k == 1)
            g_string_append_c (in, (char) g_rand_int_range (r, 0x7f, 0x100));
          else if (k == 2)
            g_string_append_unichar (in, (gunichar) g_rand_int_range (r, 0x80, 0xa0));
          else
            g_string_append_c (in, (char) g_rand_int_range (r, 0x20, 0x7f));
        }
      ws_csv_field (out, in->str);
      g_assert_true (g_utf8_validate (out->str, (gssize) out->len, NULL));
      end = out->str + out->len;
      for (p = out->str; p < end; p = g_utf8_next_char (p))
        {
          gunichar ch = g_utf8_get_char (p);
          if (g_unichar_iscntrl (ch) && ch != '\t' && ch != '\n' && ch != '\r')
            g_error ("control U+%04X in %s", ch, out->str);
        }
    }
  g_rand_free (r);
}

/* Split one CSV document (RFC 4180) into rows of fields. */
static GPtrArray *
csv_parse (const char *s)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *row = g_ptr_array_new_with_free_func (g_free);
  GString *f = g_string_new (NULL);
  const char *p = s;

  while (*p)
    {
      if (*p == '"')
        {
          p++;
          for (;;)
            {
              g_assert_true (*p != '\0');   /* unterminated quote */
              if (*p == '"' && p[1] == '"')
                {
                  g_string_append_c (f, '"');
                  p += 2;
                }
              else if (*p == '"')
                {
                  p++;
                  break;
                }
              else
                g_string_append_c (f, *p++);
            }
        }
      else
        while (*p && *p != ',' && *p != '\r' && *p != '"')
          g_string_append_c (f, *p++);
      g_ptr_array_add (row, g_strdup (f->str));
      g_string_truncate (f, 0);
      if (*p == ',')
        p++;
      else
        {
          g_assert_true (p[0] == '\r' && p[1] == '\n');
          p += 2;
          g_ptr_array_add (rows, row);
          row = g_ptr_array_new_with_free_func (g_free);
        }
    }
  g_assert_cmpuint (row->len, ==, 0);
  g_ptr_array_unref (row);
  g_string_free (f, TRUE);
  return rows;
}

static char *
write_all_width (ws_format fmt, ws_conn **cs, size_t n, const ws_counters *st, size_t width)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  ws_writer *w;

  g_assert_nonnull (f);
  w = ws_writer_new (f, fmt, false);
  ws_writer_set_width (w, width);
  for (size_t i = 0; i < n; i++)
    g_assert_true (ws_writer_record (w, cs[i]));
  ws_writer_finish (w, st);
  ws_writer_free (w);
  fclose (f);
  return buf;   /* malloc'd by open_memstream; g_free is free since GLib 2.46 */
}

/* No terminal: nothing wrapped or cut. */
static char *
write_all (ws_format fmt, ws_conn **cs, size_t n, const ws_counters *st)
{
  return write_all_width (fmt, cs, n, st, 0);
}

static const char *
field (GPtrArray *rows, guint row, GPtrArray *header, const char *name)
{
  GPtrArray *r = g_ptr_array_index (rows, row);

  for (guint i = 0; i < header->len; i++)
    if (strcmp (g_ptr_array_index (header, i), name) == 0)
      return g_ptr_array_index (r, i);
  g_error ("no column %s", name);
  return NULL;
}

static void
test_csv_writer (void)
{
  ws_conn *cs[2];
  g_autofree char *out = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  GPtrArray *header;

  cs[0] = make_closed_conn ("=cmd|' /C calc'!A0", WS_SIDE_CLIENT, 1000, "-bye, \"now\"\n");
  cb_fin (cs[0], WS_SIDE_CLIENT, END_S);
  cb_cause (cs[0], "normal_closure", "high", "@fine", NULL);
  cs[1] = make_conn ();
  cb_no_response (cs[1]);
  cb_violation (cs[1], WS_VIOL_MASKED_SERVER_FRAME, WS_SIDE_SERVER, 0, 0, NULL);

  out = write_all (WS_FMT_CSV, cs, 2, NULL);
  g_assert_true (g_utf8_validate (out, -1, NULL));
  rows = csv_parse (out);
  g_assert_cmpuint (rows->len, ==, 3);   /* header once, two records */
  header = g_ptr_array_index (rows, 0);
  for (guint r = 1; r < rows->len; r++)
    g_assert_cmpuint (((GPtrArray *) g_ptr_array_index (rows, r))->len, ==, header->len);
  g_assert_cmpstr (g_ptr_array_index (header, 0), ==, "id");
  /* the contract columns end with the cause; added ones come after */
  for (guint i = 0; i < header->len; i++)
    if (strcmp (g_ptr_array_index (header, i), "cause_summary") == 0)
      {
        g_assert_cmpuint (i, >, 0);
        g_assert_cmpstr (g_ptr_array_index (header, i - 1), ==, "cause_id");
        g_assert_cmpstr (g_ptr_array_index (header, i + 1), ==, "source_file");
        g_assert_cmpstr (g_ptr_array_index (header, header->len - 1), ==, "display_filter");
      }

  g_assert_cmpstr (field (rows, 1, header, "host"), ==, "'=cmd|' /C calc'!A0");
  g_assert_cmpstr (field (rows, 1, header, "close_reason"), ==, "'-bye, \"now\"\n");
  g_assert_cmpstr (field (rows, 1, header, "cause_summary"), ==, "'@fine");
  g_assert_cmpstr (field (rows, 1, header, "cause_id"), ==, "normal_closure");
  g_assert_cmpstr (field (rows, 1, header, "close_code"), ==, "1000");
  g_assert_cmpstr (field (rows, 1, header, "close_echoed"), ==, "false");
  g_assert_cmpstr (field (rows, 1, header, "client_ip"), ==, "10.0.0.1");
  g_assert_cmpstr (field (rows, 1, header, "client_port"), ==, "50000");
  g_assert_cmpstr (field (rows, 1, header, "start_ts"), ==, "1700000000.123456");
  g_assert_cmpstr (field (rows, 1, header, "tcp_end_by"), ==, "client");
  g_assert_cmpstr (field (rows, 2, header, "handshake_status"), ==, "");
  g_assert_cmpstr (field (rows, 2, header, "close_code"), ==, "");
  g_assert_cmpstr (field (rows, 2, header, "tcp_end"), ==, "open");
  g_assert_cmpstr (field (rows, 2, header, "cause_id"), ==, "");
  g_assert_nonnull (strstr (field (rows, 2, header, "violations"),
                            ws_violation_name (WS_VIOL_MASKED_SERVER_FRAME)));
  /* numbers we write are bare: no quote, no guard */
  g_assert_nonnull (strstr (out, ",50000,"));

  ws_conn_free (cs[0]);
  ws_conn_free (cs[1]);
}

/* A hostile close reason and host through the writer: the row holds them
 * shown, and no ESC or CSI reaches the file. */
static void
test_csv_writer_controls (void)
{
  ws_conn *cs[1];
  g_autofree char *out = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  GPtrArray *header;

  cs[0] = make_closed_conn ("evil\xc2\x9b" "31m.example", WS_SIDE_SERVER, 1011,
                           "\x1b[2J\x1b]0;owned\x07gone\r\nbye");

  out = write_all (WS_FMT_CSV, cs, 1, NULL);
  g_assert_null (strchr (out, '\x1b'));
  g_assert_null (strchr (out, '\x07'));
  g_assert_null (strstr (out, "\xc2\x9b"));
  rows = csv_parse (out);
  g_assert_cmpuint (rows->len, ==, 2);
  header = g_ptr_array_index (rows, 0);
  g_assert_cmpstr (field (rows, 1, header, "close_reason"), ==,
                   "\\x1b[2J\\x1b]0;owned\\x07gone\r\nbye");
  g_assert_cmpstr (field (rows, 1, header, "host"), ==, "evil\\xc2\\x9b31m.example");
  ws_conn_free (cs[0]);
}

static void
test_csv_empty (void)
{
  g_autofree char *out = write_all (WS_FMT_CSV, NULL, 0, NULL);
  g_autoptr (GPtrArray) rows = csv_parse (out);

  g_assert_cmpuint (rows->len, ==, 1);
}

/* ---- text ---------------------------------------------------------------------------- */

static void
check_text (const char *in, size_t len, const char *expected)
{
  g_autoptr (GString) s = g_string_new (NULL);

  ws_text_safe (s, in, len);
  g_assert_cmpstr (s->str, ==, expected);
}

/* The text table's escaping (see output.c), written plainly. */
static void
text_safe_reference (GString *o, const char *s, size_t len)
{
  size_t i = 0;

  while (i < len)
    {
      guchar b = (guchar) s[i];
      if (b < 0x80)
        {
          if (b == '\\')
            g_string_append (o, "\\\\");
          else if (b < 0x20 || b == 0x7f)
            g_string_append_printf (o, "\\x%02x", b);
          else
            g_string_append_c (o, (char) b);
          i++;
          continue;
        }
      gunichar cp = g_utf8_get_char_validated (s + i, (gssize) (len - i));
      if (cp == (gunichar) -1 || cp == (gunichar) -2)
        {
          g_string_append_printf (o, "\\x%02x", b);
          i++;
          continue;
        }
      size_t n = (size_t) g_unichar_to_utf8 (cp, NULL);
      bool unsafe = cp <= 0x9f || cp == 0x061c || cp == 0x200e || cp == 0x200f
                    || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
      for (size_t k = 0; k < n; k++)
        if (unsafe)
          g_string_append_printf (o, "\\x%02x", (guchar) s[i + k]);
        else
          g_string_append_c (o, s[i + k]);
      i += n;
    }
}

static void
test_text_safe_random (void)
{
  static const char *const pieces[] = {
    "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xe2\x80\xae", "\xc2\x85", "\xff",
    "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\"", "\\", "\n", "\x7f", "\x1b[31m",
  };

  check_escaper_random (1006, pieces, G_N_ELEMENTS (pieces), text_safe_reference,
                        ws_text_safe, NULL);
}

static void
test_text_safe (void)
{
  check_text ("plain /chat?a=1", 15, "plain /chat?a=1");
  check_text ("\x1b[31mred\x1b]0;title\x07", 18, "\\x1b[31mred\\x1b]0;title\\x07");
  check_text ("a\nb\r\x7f", 5, "a\\x0ab\\x0d\\x7f");
  check_text ("back\\slash", 10, "back\\\\slash");
  check_text ("caf\xc3\xa9", 5, "caf\xc3\xa9");
  check_text ("\xff\xc0\xaf", 3, "\\xff\\xc0\\xaf");
  check_text ("\xc2\x9b" "2J", 4, "\\xc2\\x9b2J");                 /* C1 CSI */
  check_text ("a\xe2\x80\xae" "b", 5, "a\\xe2\\x80\\xaeb");        /* RLO */
  check_text ("a\0b", 3, "a\\x00b");
}

static void
assert_no_control (const char *s)
{
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    if (*p != '\n' && (*p < 0x20 || *p == 0x7f))
      g_error ("control byte 0x%02x in text output:\n%s", *p, s);
  g_assert_true (g_utf8_validate (s, -1, NULL));
}

static void
test_text_writer (void)
{
  ws_conn *cs[3];
  ws_counters st = { 0 };
  g_autofree char *out = NULL;
  g_autofree char *want = NULL;
  g_auto (GStrv) lines = NULL;
  const ws_code_info *n1000 = ws_code_lookup (1000);
  const ws_code_info *n1006 = ws_code_lookup (1006);

  cs[0] = make_closed_conn ("evil\x1b[2J.example", WS_SIDE_CLIENT, 1000, "bye\x1b]0;pwned\x07");
  cb_close (cs[0], WS_SIDE_SERVER, 1000, NULL, 4.5);
  cb_fin (cs[0], WS_SIDE_SERVER, END_S);
  cb_cause (cs[0], "normal_closure", "high", "Both sides closed \x1b[1mcleanly", "Nothing to do");

  cs[1] = make_conn ();
  cb_rst (cs[1], WS_SIDE_SERVER, END_S);
  cb_cause (cs[1], "peer_reset", "high", "The server reset the connection", "Look at the server log");

  cs[2] = make_conn ();
  cb_reject (cs[2], 403, NULL);
  cb_fin (cs[2], WS_SIDE_SERVER, END_S);

  st.tls_connections = 5;
  st.other_connections = 6;
  st.packets = 1234;
  st.truncated_packets = 2;
  st.gaps = 3;
  st.evicted = 9;

  out = write_all (WS_FMT_TEXT, cs, 3, &st);
  assert_no_control (out);
  lines = g_strsplit (out, "\n", -1);

  /* the time convention, the table header once, the date, then the first
   * connection: its row, its cause on the next line, the fix, the reason */
  g_assert_true (g_str_has_prefix (lines[0], "Connections in the order they ended; END is"));
  g_assert_true (g_str_has_prefix (lines[1], "END (UTC)"));
  g_assert_null (strstr (out + strlen (lines[0]) + strlen (lines[1]) + 2, "END (UTC)"));
  g_assert_cmpstr (lines[2], ==, "2023-11-14:");
  g_assert_true (g_str_has_prefix (lines[3], "22:13:"));
  g_assert_nonnull (strstr (lines[3], "10.0.0.1:50000 -> 192.168.1.2:8765"));
  g_assert_nonnull (strstr (lines[3], "evil\\x1b[2J.example/chat"));
  g_assert_nonnull (strstr (lines[3], " 101  1000 "));
  g_assert_true (g_str_has_prefix (lines[4], "    cause: normal_closure"));
  g_assert_nonnull (strstr (lines[4], "Both sides closed \\x1b[1mcleanly"));
  g_assert_cmpstr (lines[5], ==, "    fix: Nothing to do");
  want = g_strdup_printf ("    close: 1000 %s from the client, \"bye\\x1b]0;pwned\\x07\"",
                          n1000->name);
  g_assert_cmpstr (lines[6], ==, want);

  g_assert_nonnull (strstr (lines[7], " 1006 "));
  g_assert_true (g_str_has_prefix (lines[8], "    cause: peer_reset"));
  g_assert_cmpstr (lines[9], ==, "    fix: Look at the server log");

  g_assert_nonnull (strstr (lines[10], " 403 "));
  /* no cause: no cause line */
  g_assert_false (g_str_has_prefix (lines[11], "    "));

  /* -v: how TCP ended and the frames */
  {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&buf, &len);
    ws_writer *w = ws_writer_new (f, WS_FMT_TEXT, false);
    ws_writer_set_verbose (w, true);
    g_assert_true (ws_writer_record (w, cs[0]));
    ws_writer_free (w);
    fclose (f);
    /* 3 and 4 frames, and each side's close frame */
    g_assert_nonnull (strstr (buf, "\n    tcp: fin by server; frames client/server 4/5\n"));
    free (buf);
  }

  /* totals */
  g_assert_nonnull (strstr (out, "WebSocket connections: 3\n"));
  g_assert_nonnull (strstr (out, "handshake failures: 1\n"));
  g_assert_nonnull (strstr (out, "encrypted (TLS) connections, not analysed: 5\n"));
  g_assert_nonnull (strstr (out, "other TCP connections skipped: 6\n"));
  g_assert_nonnull (strstr (out, "packets: 1234 "));
  g_assert_nonnull (strstr (out, "truncated packets (snaplen): 2\n"));
  g_assert_nonnull (strstr (out, "gaps in TCP streams: 3 "));
  g_assert_nonnull (strstr (out, "limits hit: evicted 9"));
  {
    /* by close code: 1000 once, 1006 twice (the RST and the 403 + FIN) */
    const char *totals = strstr (out, "\nTotals\n");
    g_autofree char *l1000 = g_strdup_printf ("    1000 %s", n1000->name);
    g_autofree char *l1006 = g_strdup_printf ("    1006 %s", n1006->name);
    const char *p1000, *p1006;

    g_assert_nonnull (totals);
    p1000 = strstr (totals, l1000);
    p1006 = strstr (totals, l1006);
    g_assert_nonnull (p1000);
    g_assert_nonnull (p1006);
    g_assert_true (p1000 < p1006);
    g_assert_true (g_str_has_prefix (strchr (p1000, '\n') - 2, " 1\n"));
    g_assert_true (g_str_has_prefix (strchr (p1006, '\n') - 2, " 2\n"));
    g_assert_nonnull (strstr (totals, "    normal_closure"));
    g_assert_nonnull (strstr (totals, "    peer_reset"));
  }

  for (int i = 0; i < 3; i++)
    ws_conn_free (cs[i]);
}

static void
test_text_empty (void)
{
  g_autofree char *out = write_all (WS_FMT_TEXT, NULL, 0, NULL);

  g_assert_nonnull (strstr (out, "No WebSocket connections found."));
  g_assert_nonnull (strstr (out, "WebSocket connections: 0\n"));
}

/* The IP fragment line: only when fragments were seen, every number in its
 * place (distinct values, so a swapped pair shows), and nothing in JSON/CSV. */
static void
test_text_ip_fragments (void)
{
  ws_counters st = { .packets = 10 };
  g_autofree char *none = write_all (WS_FMT_TEXT, NULL, 0, &st);

  g_assert_null (strstr (none, "IP fragments"));

  st.ip_fragments = 52;
  st.ip_reassembled = 5;
  st.ip_frag_dropped = 7;
  st.ip_frag_overlap_conflicts = 3;
  g_autofree char *some = write_all (WS_FMT_TEXT, NULL, 0, &st);
  g_assert_nonnull (strstr (some, "\n  IP fragments: 52 (5 datagrams reassembled, 7 dropped"
                                  " incomplete, 3 overlaps with different bytes)\n"));
  /* after the packet lines, before the gaps */
  g_assert_true (strstr (some, "undecodable packets") < strstr (some, "IP fragments"));
  g_assert_true (strstr (some, "IP fragments") < strstr (some, "gaps in TCP streams"));

  st.ip_fragments = G_MAXUINT64;
  st.ip_reassembled = st.ip_frag_dropped = st.ip_frag_overlap_conflicts = G_MAXUINT64;
  g_autofree char *widest = write_all (WS_FMT_TEXT, NULL, 0, &st);
  g_assert_nonnull (strstr (widest, "IP fragments: 18446744073709551615 (18446744073709551615"
                                    " datagrams reassembled, 18446744073709551615 dropped"
                                    " incomplete, 18446744073709551615 overlaps with"
                                    " different bytes)\n"));

  g_autofree char *json = write_all (WS_FMT_JSON, NULL, 0, &st);
  g_assert_cmpstr (json, ==, "");
  g_autofree char *csv = write_all (WS_FMT_CSV, NULL, 0, &st);
  g_assert_null (strstr (csv, "18446744073709551615"));
}

/* ---- the writer ------------------------------------------------------------------------ */

static void
test_writer_json_lines (void)
{
  ws_conn *cs[2] = { make_conn (), make_conn () };
  ws_counters st = { .packets = 5 };
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;

  cs[1]->id = 8;
  out = write_all (WS_FMT_JSON, cs, 2, &st);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);   /* two lines, nothing at finish */
  g_assert_cmpstr (lines[2], ==, "");
  for (int i = 0; i < 2; i++)
    {
      g_autoptr (GHashTable) keys = assert_json_object (lines[i]);
      g_assert_nonnull (keys);
    }
  assert_kv (lines[0], "id", "7");
  assert_kv (lines[1], "id", "8");
  ws_conn_free (cs[0]);
  ws_conn_free (cs[1]);
}

static void
test_writer_error (void)
{
  FILE *f = fopen ("/dev/full", "w");
  g_autoptr (test_conn) c = make_conn ();
  ws_writer *w;

  if (f == NULL)
    {
      g_test_skip ("no /dev/full");
      return;
    }
  w = ws_writer_new (f, WS_FMT_JSON, true);
  g_assert_false (ws_writer_record (w, c));
  ws_writer_free (w);
  fclose (f);
}

/* after a reopen (SIGHUP) the new file starts with its own CSV header */
static void
test_writer_set_stream (void)
{
  g_autoptr (test_conn) c = make_conn ();
  char *b1 = NULL, *b2 = NULL;
  size_t l1 = 0, l2 = 0;
  FILE *f1 = open_memstream (&b1, &l1);
  FILE *f2 = open_memstream (&b2, &l2);
  ws_writer *w = ws_writer_new (f1, WS_FMT_CSV, true);

  g_assert_true (ws_writer_record (w, c));
  g_assert_true (ws_writer_record (w, c));
  ws_writer_set_stream (w, f2);
  g_assert_true (ws_writer_record (w, c));
  ws_writer_finish (w, NULL);
  ws_writer_free (w);
  fclose (f1);
  fclose (f2);
  {
    g_autoptr (GPtrArray) r1 = csv_parse (b1);
    g_autoptr (GPtrArray) r2 = csv_parse (b2);
    g_assert_cmpuint (r1->len, ==, 3);
    g_assert_cmpuint (r2->len, ==, 2);
    g_assert_cmpstr (g_ptr_array_index ((GPtrArray *) g_ptr_array_index (r2, 0), 0), ==, "id");
  }
  free (b1);
  free (b2);
}

static void
test_format_parse (void)
{
  bool ok = false;

  g_assert_cmpint (ws_format_parse ("text", &ok), ==, WS_FMT_TEXT);
  g_assert_true (ok);
  g_assert_cmpint (ws_format_parse ("json", &ok), ==, WS_FMT_JSON);
  g_assert_true (ok);
  g_assert_cmpint (ws_format_parse ("jsonl", &ok), ==, WS_FMT_JSON);
  g_assert_true (ok);
  g_assert_cmpint (ws_format_parse ("csv", &ok), ==, WS_FMT_CSV);
  g_assert_true (ok);
  ws_format_parse ("xml", &ok);
  g_assert_false (ok);
  ws_format_parse ("", &ok);
  g_assert_false (ok);
  ws_format_parse (NULL, &ok);
  g_assert_false (ok);
}

/* A close reason with a NUL byte in it is whole in every output: JSON as
 * \u0000, CSV and the text table as \x00, and the cause's summary. */
static void
test_reason_nul (void)
{
  ws_conn *c = make_closed_conn ("example.com", WS_SIDE_CLIENT, 4000, NULL);
  static const char reason[] = "a\0b-after-nul";
  g_autofree char *json = NULL, *csv = NULL, *text = NULL;
  g_autoptr (GPtrArray) rows = NULL;

  cb_close_bytes (c, WS_SIDE_CLIENT, 4000, reason, sizeof reason - 1, 4);
  cb_fin (c, WS_SIDE_CLIENT, END_S);
  ws_diagnose (c, NULL);
  g_assert_nonnull (c->cause.summary);
  g_assert_nonnull (strstr (c->cause.summary, "a\\x00b-after-nul"));

  json = json_of (c);
  assert_kv (json, "close_reason", "\"a\\u0000b-after-nul\"");
  csv = write_all (WS_FMT_CSV, &c, 1, NULL);
  rows = csv_parse (csv);
  g_assert_cmpstr (field (rows, 1, g_ptr_array_index (rows, 0), "close_reason"), ==,
                   "a\\x00b-after-nul");
  text = write_all (WS_FMT_TEXT, &c, 1, NULL);
  g_assert_nonnull (strstr (text, "\"a\\x00b-after-nul\""));
  /* the summary, in which the text writer shows the backslash doubled */
  g_assert_nonnull (strstr (text, "a\\\\x00b-after-nul"));
  ws_conn_free (c);
}

/* Two IPv6 endpoints of the greatest length are not cut in the text table. */
static void
test_text_ipv6_whole (void)
{
  ws_conn *c = make_closed_conn ("example.com", WS_SIDE_SERVER, 1001, NULL);
  g_autofree char *text = NULL;

  cb_endpoints (c, "2001:db8:1234:5678:9abc:def0:1234:5670", 65535,
                "2001:db8:1234:5678:9abc:def0:1234:5671", 8765);
  text = write_all (WS_FMT_TEXT, &c, 1, NULL);
  g_assert_nonnull (strstr (text, "[2001:db8:1234:5678:9abc:def0:1234:5670]:65535 -> "
                                  "[2001:db8:1234:5678:9abc:def0:1234:5671]:8765  "));
  /* in 80 columns: each endpoint whole, the server under the client, no
   * line wider than 80 */
  for (size_t width = 80; width <= 120; width += 40)
    {
      g_autofree char *narrow = write_all_width (WS_FMT_TEXT, &c, 1, NULL, width);
      g_auto (GStrv) lines = g_strsplit (narrow, "\n", -1);
      g_assert_nonnull (strstr (narrow, "[2001:db8:1234:5678:9abc:def0:1234:5670]:65535"));
      g_assert_nonnull (strstr (narrow, "[2001:db8:1234:5678:9abc:def0:1234:5671]:8765"));
      for (char **l = lines; *l; l++)
        g_assert_cmpuint (g_utf8_strlen (*l, -1), <=, width);
    }
  ws_conn_free (c);
}

/* A capture at the epoch: a record's start at 0 s is a time in every
 * output, not null or "-". */
static void
test_epoch_times (void)
{
  ws_conn *c = make_closed_conn ("example.com", WS_SIDE_CLIENT, 1000, NULL);
  g_autofree char *json = NULL, *csv = NULL, *text = NULL;
  g_autoptr (GPtrArray) rows = NULL;

  c->start_us = 0;
  c->end_us = 86400 * G_GINT64_CONSTANT (1000000);
  json = json_of (c);
  assert_kv (json, "start_ts", "0.000000");
  assert_kv (json, "end_ts", "86400.000000");   /* near the epoch */
  csv = write_all (WS_FMT_CSV, &c, 1, NULL);
  rows = csv_parse (csv);
  g_assert_cmpstr (field (rows, 1, g_ptr_array_index (rows, 0), "start_ts"), ==, "0.000000");
  /* the text table shows the end (the date on its own line) */
  text = write_all (WS_FMT_TEXT, &c, 1, NULL);
  g_assert_nonnull (strstr (text, "\n1970-01-02:\n00:00:00.000  10.0.0.1:50000"));
  g_clear_pointer (&text, g_free);
  /* a record without an end: its start, the epoch itself, is a moment */
  c->end_us = 0;
  text = write_all (WS_FMT_TEXT, &c, 1, NULL);
  g_assert_nonnull (strstr (text, "\n1970-01-01:\n00:00:00.000  10.0.0.1:50000"));
  ws_conn_free (c);
}

/* The totals say how many streams were looked at and rejected, and the
 * other upgrades. */
static void
test_text_rejected_totals (void)
{
  ws_counters st = { 0 };
  g_autofree char *out = NULL;

  st.other_connections = 9;
  st.rejected_no_upgrade = 4;
  st.rejected_midstream = 3;
  st.other_upgrades = 2;
  out = write_all (WS_FMT_TEXT, NULL, 0, &st);
  g_assert_nonnull (strstr (out, "  TCP streams looked at and rejected as not WebSocket: 7\n"
                                 "    no upgrade request from the start: 4, mid-stream bytes not "
                                 "frames: 3\n"));
  g_assert_nonnull (strstr (out, "  other upgrades (not WebSocket, e.g. h2c): 2\n"));
}

/* The JSON writer copies some strings without its escaper (jw_plain_,
 * and the display filter written in place): each must hold only bytes JSON
 * takes as they are. */
static void
assert_json_plain (const char *s)
{
  if (s == NULL)
    return;
  for (const char *q = s; *q; q++)
    {
      unsigned char b = (unsigned char) *q;
      if (b < 0x20 || b >= 0x7f || b == '"' || b == '\\')
        g_error ("not plain for JSON: \"%s\"", s);
    }
}

static void
test_json_plain_strings (void)
{
  /* every value of the enums, and some past them */
  for (int i = -2; i < 16; i++)
    {
      assert_json_plain (ws_kind_name ((ws_kind) i));
      assert_json_plain (ws_stage_name ((ws_stage) i));
      assert_json_plain (ws_handshake_problem_name (i));
      assert_json_plain (ws_tcp_end_name ((ws_tcp_end) i));
      assert_json_plain (ws_side_name ((ws_side) i));
    }

  GRand *r = g_rand_new_with_seed (18);
  ws_conn *c = g_new0 (ws_conn, 1);
  for (int k = 0; k < 20000; k++)
    {
      char cid[WS_COMMUNITY_ID_LEN], df[WS_DISPLAY_FILTER_MAX];
      int family = k % 2 ? 6 : 4;
      for (int s = 0; s < 2; s++)
        {
          c->addr[s].family = (uint8_t) family;
          for (int i = 0; i < 16; i++)
            c->addr[s].addr[i] = (uint8_t) (k % 3 == 0 ? 0 : g_rand_int (r));
          if (k % 5 == 0 && family == 6)
            {
              /* IPv4-mapped */
              memset (c->addr[s].addr, 0, 10);
              c->addr[s].addr[10] = c->addr[s].addr[11] = 0xff;
            }
          c->port[s] = (uint16_t) g_rand_int (r);
        }
      c->first_frame = g_rand_int (r) | (k % 7 ? 0 : UINT64_C (1) << 62);
      c->last_frame = c->first_frame + (uint64_t) g_rand_int (r);
      c->first_file = c->last_file = k % 4 ? "a" : NULL;
      size_t n = ws_display_filter_buf (c, df);
      g_assert_cmpuint (n, >, 0);
      g_assert_cmpuint (strlen (df), ==, n);
      assert_json_plain (df);
      /* with the addresses formatted by the caller (as the JSON writer
       * does): the same filter, which names both addresses as text */
      char ca[64], sa[64], df2[WS_DISPLAY_FILTER_MAX];
      size_t cn = ws_addr_format (&c->addr[0], ca, sizeof ca);
      size_t sn = ws_addr_format (&c->addr[1], sa, sizeof sa);
      g_assert_cmpuint (ws_display_filter_buf_addrs (c, df2, ca, cn, sa, sn), ==, n);
      g_assert_cmpstr (df2, ==, df);
      g_assert_nonnull (strstr (df, ca));
      g_assert_nonnull (strstr (df, sa));
      ws_community_id ((uint16_t) g_rand_int (r), family, c->addr[0].addr, c->port[0],
                       c->addr[1].addr, c->port[1], (uint8_t) g_rand_int (r), cid);
      g_assert_cmpuint (strlen (cid), ==, 30);
      assert_json_plain (cid);
    }
  g_free (c);
  g_rand_free (r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/output/json/escape/basic", test_json_escape_basic);
  g_test_add_func ("/output/json/plain-strings", test_json_plain_strings);
  g_test_add_func ("/output/reason/nul-in-every-output", test_reason_nul);
  g_test_add_func ("/output/text/ipv6-endpoints-whole", test_text_ipv6_whole);
  g_test_add_func ("/output/epoch-times", test_epoch_times);
  g_test_add_func ("/output/text/rejected-totals", test_text_rejected_totals);
  g_test_add_func ("/output/json/escape/null", test_json_escape_null);
  g_test_add_func ("/output/json/escape/control", test_json_escape_control);
  g_test_add_func ("/output/json/escape/invalid-utf8", test_json_escape_utf8);
  g_test_add_func ("/output/json/timestamp", test_json_ts);
  g_test_add_func ("/output/json/timestamp/random", test_json_ts_random);
  g_test_add_func ("/output/json/escape/positions", test_json_escape_positions);
  g_test_add_func ("/output/json/escape/random", test_json_escape_random);
  g_test_add_func ("/output/json/stats/widest", test_json_stats_widest);
  g_test_add_func ("/output/json/record/keys", test_json_record_keys);
  g_test_add_func ("/output/json/record/handshake-unknown", test_json_record_handshake_unknown);
  g_test_add_func ("/output/json/record/extensions", test_json_record_extensions);
  g_test_add_func ("/output/json/close/normal-echoed", test_json_close_normal_echoed);
  g_test_add_func ("/output/json/close/empty-body-1005", test_json_close_empty_body);
  g_test_add_func ("/output/json/close/no-close-fin-1006", test_json_close_none_fin);
  g_test_add_func ("/output/json/close/no-close-rst-1006", test_json_close_none_rst);
  g_test_add_func ("/output/json/close/open-null", test_json_close_open);
  g_test_add_func ("/output/json/close/hostile-reason", test_json_close_reason_hostile);
  g_test_add_func ("/output/json/record/violations-limits", test_json_violations_limits);
  g_test_add_func ("/output/json/record/cause", test_json_cause);
  g_test_add_func ("/output/json/record/ipv6", test_json_ipv6);
  g_test_add_func ("/output/json/record/strings-random", test_json_record_strings_random);
  g_test_add_func ("/output/json/record/strings-widest", test_json_record_strings_widest);
  g_test_add_func ("/output/csv/field", test_csv_field);
  g_test_add_func ("/output/csv/formula-guard", test_csv_formula_guard);
  g_test_add_func ("/output/csv/controls", test_csv_controls);
  g_test_add_func ("/output/csv/controls/random", test_csv_controls_random);
  g_test_add_func ("/output/csv/writer", test_csv_writer);
  g_test_add_func ("/output/csv/writer/controls", test_csv_writer_controls);
  g_test_add_func ("/output/csv/empty", test_csv_empty);
  g_test_add_func ("/output/text/safe", test_text_safe);
  g_test_add_func ("/output/text/safe/random", test_text_safe_random);
  g_test_add_func ("/output/text/writer", test_text_writer);
  g_test_add_func ("/output/text/empty", test_text_empty);
  g_test_add_func ("/output/text/ip-fragments", test_text_ip_fragments);
  g_test_add_func ("/output/writer/json-lines", test_writer_json_lines);
  g_test_add_func ("/output/writer/stream-error", test_writer_error);
  g_test_add_func ("/output/writer/set-stream", test_writer_set_stream);
  g_test_add_func ("/output/format-parse", test_format_parse);
  return g_test_run ();
}
