/* keylog.c - the NSS key log format (see keylog.h).
 *
 *   CLIENT_RANDOM 52362c10a2665e32...(64 hex) 7fef9d5a...(96 hex)
 *   CLIENT_TRAFFIC_SECRET_0 9b2a0c...(64 hex) 4c1e...(64 or 96 hex)
 *
 * Text is split into lines here; each line into label, random and secret.
 * Nothing about a line is trusted: lengths and hex digits are checked, and a
 * line longer than any valid one is malformed (and not kept in memory past
 * that length).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "keylog.h"

/* a valid line is at most label (31) + 1 + 64 + 1 + 96 bytes and a CR */
#define LINE_MAX_LEN 256
#define MESSAGES_PER_SOURCE 10

typedef struct {
  uint64_t offset;               /* bytes of the file consumed */
  uint64_t line;                 /* lines seen so far */
  char partial[LINE_MAX_LEN + 1];  /* a line not yet ended */
  size_t partial_len;
  bool partial_long;             /* the pending line is already too long */
  unsigned messages;             /* messages made about this source */
} source;

struct ws_keylog {
  GHashTable *by_random;         /* 32-byte random (owned by entry) -> kl_entry */
  GHashTable *files;             /* path -> source */
  source text;                   /* ws_keylog_add_text */
  uint64_t lines, ignored, malformed;
  GPtrArray *messages;
};

typedef struct {
  uint8_t random[WS_KEYLOG_RANDOM_LEN];
  ws_keylog_entry e;
} kl_entry;

static guint
random_hash (gconstpointer p)
{
  guint h;
  memcpy (&h, p, sizeof h);      /* the random is random */
  return h;
}

static gboolean
random_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, WS_KEYLOG_RANDOM_LEN) == 0;
}

static void
entry_free (gpointer p)
{
  OPENSSL_cleanse (p, sizeof (kl_entry));
  g_free (p);
}

ws_keylog *
ws_keylog_new (void)
{
  ws_keylog *kl = g_new0 (ws_keylog, 1);
  kl->by_random = g_hash_table_new_full (random_hash, random_equal, NULL, entry_free);
  kl->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  kl->messages = g_ptr_array_new_with_free_func (g_free);
  return kl;
}

void
ws_keylog_free (ws_keylog *kl)
{
  if (!kl)
    return;
  g_hash_table_destroy (kl->by_random);
  g_hash_table_destroy (kl->files);
  OPENSSL_cleanse (&kl->text, sizeof kl->text);
  g_ptr_array_unref (kl->messages);
  g_free (kl);
}

static const struct {
  const char *label;
  int kind;                      /* ws_keylog_kind, or -1: known, not used */
} labels[] = {
  { "CLIENT_RANDOM", WS_KL_MASTER },
  { "CLIENT_HANDSHAKE_TRAFFIC_SECRET", WS_KL_CLIENT_HS },
  { "SERVER_HANDSHAKE_TRAFFIC_SECRET", WS_KL_SERVER_HS },
  { "CLIENT_TRAFFIC_SECRET_0", WS_KL_CLIENT_AP },
  { "SERVER_TRAFFIC_SECRET_0", WS_KL_SERVER_AP },
  { "CLIENT_EARLY_TRAFFIC_SECRET", WS_KL_CLIENT_EARLY },
  { "EARLY_EXPORTER_SECRET", -1 },
  { "EXPORTER_SECRET", -1 },
  { "RSA", -1 },
};

static int
hexval (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* n hex digits at s into n/2 bytes; false on a non-digit */
static bool
unhex (const char *s, size_t n, uint8_t *out)
{
  for (size_t i = 0; i + 1 < n; i += 2)
    {
      int hi = hexval (s[i]), lo = hexval (s[i + 1]);
      if (hi < 0 || lo < 0)
        return false;
      out[i / 2] = (uint8_t) (hi << 4 | lo);
    }
  return true;
}

static void
malformed (ws_keylog *kl, source *src, const char *origin, const char *why)
{
  kl->malformed++;
  if (src->messages++ < MESSAGES_PER_SOURCE)
    g_ptr_array_add (kl->messages,
                     g_strdup_printf ("%s:%" G_GUINT64_FORMAT ": %s: line skipped",
                                      origin, src->line, why));
}

/* One line (without its newline; too_long: it was cut). */
static void
take_line (ws_keylog *kl, source *src, const char *origin, const char *s, size_t n,
           bool too_long)
{
  src->line++;
  while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  while (n > 0 && (*s == ' ' || *s == '\t'))
    s++, n--;
  if (too_long)
    {
      malformed (kl, src, origin, "line too long");
      return;
    }
  if (n == 0 || s[0] == '#')
    return;

  /* three fields separated by single spaces */
  const char *sp1 = memchr (s, ' ', n);
  if (!sp1)
    {
      malformed (kl, src, origin, "not LABEL RANDOM SECRET");
      return;
    }
  size_t label_len = (size_t) (sp1 - s);
  const char *rnd = sp1 + 1;
  const char *sp2 = memchr (rnd, ' ', n - label_len - 1);
  if (!sp2)
    {
      malformed (kl, src, origin, "not LABEL RANDOM SECRET");
      return;
    }
  size_t rnd_len = (size_t) (sp2 - rnd);
  const char *sec = sp2 + 1;
  size_t sec_len = n - (size_t) (sec - s);

  int kind = -2;
  for (size_t i = 0; i < G_N_ELEMENTS (labels); i++)
    if (strlen (labels[i].label) == label_len && memcmp (labels[i].label, s, label_len) == 0)
      {
        kind = labels[i].kind;
        break;
      }
  /* later generations of the traffic secrets, as some programs log them
   * (OpenSSL's *_TRAFFIC_SECRET_N, NSS-style _1, _2, ...): derived here
   * from _0 and the KeyUpdates seen instead */
  if (kind == -2
      && ((label_len > 22 && memcmp (s, "CLIENT_TRAFFIC_SECRET_", 22) == 0)
          || (label_len > 22 && memcmp (s, "SERVER_TRAFFIC_SECRET_", 22) == 0)))
    kind = -1;
  if (kind == -2)
    {
      malformed (kl, src, origin, "unknown label");
      return;
    }
  if (kind == -1)
    {
      kl->ignored++;
      return;
    }
  uint8_t random[WS_KEYLOG_RANDOM_LEN];
  if (rnd_len != 2 * WS_KEYLOG_RANDOM_LEN || !unhex (rnd, rnd_len, random))
    {
      malformed (kl, src, origin, "client random is not 64 hex digits");
      return;
    }
  bool len_ok = kind == WS_KL_MASTER ? sec_len == 96 : (sec_len == 64 || sec_len == 96);
  ws_keylog_secret secret = { 0 };
  if (!len_ok || !unhex (sec, sec_len, secret.b))
    {
      malformed (kl, src, origin,
                 kind == WS_KL_MASTER ? "master secret is not 96 hex digits"
                                      : "secret is not 64 or 96 hex digits");
      OPENSSL_cleanse (&secret, sizeof secret);
      return;
    }
  secret.len = (uint8_t) (sec_len / 2);

  kl_entry *e = g_hash_table_lookup (kl->by_random, random);
  if (!e)
    {
      e = g_new0 (kl_entry, 1);
      memcpy (e->random, random, sizeof random);
      g_hash_table_insert (kl->by_random, e->random, e);
    }
  e->e.s[kind] = secret;         /* a later line for the same random wins */
  OPENSSL_cleanse (&secret, sizeof secret);
  kl->lines++;
}

/* Split buf into lines; a last piece without a newline stays in src. */
static void
take_text (ws_keylog *kl, source *src, const char *origin, const char *buf, size_t len,
           bool final)
{
  size_t i = 0;
  while (i < len)
    {
      const char *nl = memchr (buf + i, '\n', len - i);
      size_t n = nl ? (size_t) (nl - (buf + i)) : len - i;
      if (src->partial_len || src->partial_long || !nl)
        {
          /* append to the pending line, bounded */
          size_t room = LINE_MAX_LEN - src->partial_len;
          if (n > room)
            src->partial_long = true;
          size_t k = MIN (n, room);
          memcpy (src->partial + src->partial_len, buf + i, k);
          src->partial_len += k;
          if (nl)
            {
              take_line (kl, src, origin, src->partial, src->partial_len, src->partial_long);
              OPENSSL_cleanse (src->partial, sizeof src->partial);
              src->partial_len = 0;
              src->partial_long = false;
            }
        }
      else
        take_line (kl, src, origin, buf + i, MIN (n, (size_t) LINE_MAX_LEN + 1),
                   n > LINE_MAX_LEN);
      i += n + (nl ? 1 : 0);
    }
  if (final && (src->partial_len || src->partial_long))
    {
      take_line (kl, src, origin, src->partial, src->partial_len, src->partial_long);
      OPENSSL_cleanse (src->partial, sizeof src->partial);
      src->partial_len = 0;
      src->partial_long = false;
    }
}

void
ws_keylog_add_text (ws_keylog *kl, const char *buf, size_t len)
{
  take_text (kl, &kl->text, "key log text", buf, len, true);
}

gboolean
ws_keylog_load_file (ws_keylog *kl, const char *path, GError **error)
{
  source *src = g_hash_table_lookup (kl->files, path);
  bool first = src == NULL;
  FILE *f = fopen (path, "rb");

  if (!f)
    {
      int e = errno;
      if (first)
        {
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
                       "key log %s: %s", path, g_strerror (e));
          return FALSE;
        }
      return TRUE;               /* rotated away: keep what was read */
    }
  if (first)
    {
      src = g_new0 (source, 1);
      g_hash_table_insert (kl->files, g_strdup (path), src);
    }
  /* a file that shrank was replaced: read it from the start */
  if (fseeko (f, 0, SEEK_END) == 0)
    {
      off_t size = ftello (f);
      if (size >= 0 && (uint64_t) size < src->offset)
        {
          memset (src, 0, sizeof *src);
        }
    }
  if (fseeko (f, (off_t) src->offset, SEEK_SET) != 0)
    {
      int e = errno;
      fclose (f);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
                   "key log %s: %s", path, g_strerror (e));
      return FALSE;
    }
  char buf[8192];
  size_t n;
  while ((n = fread (buf, 1, sizeof buf, f)) > 0)
    {
      take_text (kl, src, path, buf, n, false);
      src->offset += n;
    }
  OPENSSL_cleanse (buf, sizeof buf);
  if (ferror (f))
    {
      fclose (f);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "key log %s: read error", path);
      return FALSE;
    }
  fclose (f);
  return TRUE;
}

void
ws_keylog_finish (ws_keylog *kl)
{
  GHashTableIter it;
  gpointer path, src;

  g_hash_table_iter_init (&it, kl->files);
  while (g_hash_table_iter_next (&it, &path, &src))
    take_text (kl, src, path, "", 0, true);
}

const ws_keylog_entry *
ws_keylog_lookup (const ws_keylog *kl, const uint8_t random[WS_KEYLOG_RANDOM_LEN])
{
  if (!kl)
    return NULL;
  const kl_entry *e = g_hash_table_lookup (kl->by_random, random);
  return e ? &e->e : NULL;
}

size_t
ws_keylog_size (const ws_keylog *kl)
{
  return g_hash_table_size (kl->by_random);
}

uint64_t
ws_keylog_lines (const ws_keylog *kl)
{
  return kl->lines;
}

uint64_t
ws_keylog_ignored (const ws_keylog *kl)
{
  return kl->ignored;
}

uint64_t
ws_keylog_malformed (const ws_keylog *kl)
{
  return kl->malformed;
}

GPtrArray *
ws_keylog_take_messages (ws_keylog *kl)
{
  GPtrArray *m = kl->messages;
  kl->messages = g_ptr_array_new_with_free_func (g_free);
  return m;
}
