/* i18n.c - see i18n.h.  The switch is process state like the locale itself:
 * set once by main before any work, read by every stage. */
#include "config.h"

#include <libintl.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "i18n.h"

static bool translate = true;
bool ws_i18n_translating;
bool ws_i18n_isolating;
/* the locale's decimal mark, read once at ws_i18n_init */
static char decimal[8] = ".";
const char *ws_i18n_dp;

/* Is a catalog in use (the msgstr of "", its header, is not empty)? */
static void
update_translating (void)
{
  const char *hdr = dgettext (GETTEXT_PACKAGE, "");
  ws_i18n_translating = translate && hdr && *hdr;
  ws_i18n_dp = translate && strcmp (decimal, ".") != 0 ? decimal : NULL;
}

const char *
ws_gettext (const char *msgid)
{
  return translate ? dgettext (GETTEXT_PACKAGE, msgid) : msgid;
}

const char *
ws_pgettext (const char *ctx, const char *msgid)
{
  if (!translate)
    return msgid;
  /* gettext's msgctxt: the context, EOT, the msgid */
  char key[256];
  size_t cl = strlen (ctx), ml = strlen (msgid);
  if (cl + 1 + ml + 1 > sizeof key)
    return msgid;
  memcpy (key, ctx, cl);
  key[cl] = '\004';
  memcpy (key + cl + 1, msgid, ml + 1);
  const char *t = dgettext (GETTEXT_PACKAGE, key);
  return t == key ? msgid : t;
}

const char *
ws_ngettext (const char *msgid, const char *plural, unsigned long n)
{
  if (translate)
    return dngettext (GETTEXT_PACKAGE, msgid, plural, n);
  return n == 1 ? msgid : plural;
}

void
ws_i18n_enable (bool on)
{
  translate = on;
  update_translating ();
}

bool
ws_i18n_enabled (void)
{
  return translate;
}

void
ws_i18n_init (const char *lang)
{
  setlocale (LC_ALL, "");
  /* What wsclosed writes is UTF-8 (wire strings, JSON, translations): under
   * the C locale GLib would turn every non-ASCII character of --help and
   * of messages into '?'. */
  const char *ctype = setlocale (LC_CTYPE, NULL);
  if (!ctype || strcmp (ctype, "C") == 0 || strcmp (ctype, "POSIX") == 0)
    setlocale (LC_CTYPE, "C.UTF-8");
  /* Numbers printed with printf stay machine-readable (JSON, CSV); the text
   * report formats numbers for the reader itself. */
  setlocale (LC_NUMERIC, "C");
  locale_t env = newlocale (LC_NUMERIC_MASK, "", (locale_t) 0);
  if (env)
    {
      const char *dp = nl_langinfo_l (RADIXCHAR, env);
      if (dp && *dp && strlen (dp) < sizeof decimal)
        strcpy (decimal, dp);
      freelocale (env);
    }
  if (lang && *lang)
    {
      /* LANGUAGE picks the catalog; gettext ignores it under the C locale,
       * so messages then use C.UTF-8 (every glibc has it).  Numbers keep the
       * environment's locale. */
      setenv ("LANGUAGE", lang, 1);
      const char *cur = setlocale (LC_MESSAGES, NULL);
      if (!cur || strcmp (cur, "C") == 0 || strcmp (cur, "POSIX") == 0)
        setlocale (LC_MESSAGES, "C.UTF-8");
    }
  const char *dir = getenv ("WSCLOSED_LOCALEDIR");
  bindtextdomain (GETTEXT_PACKAGE, dir && *dir ? dir : WS_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  translate = true;
  update_translating ();
}

const char *
ws_i18n_language (void)
{
  /* the catalog's own header names its language: the msgstr of "" */
  const char *hdr = translate ? dgettext (GETTEXT_PACKAGE, "") : "";
  const char *l = hdr ? strstr (hdr, "Language: ") : NULL;
  if (!l)
    return "en";
  l += strlen ("Language: ");
  if (strncmp (l, "pt_BR", 5) == 0)
    return "pt_BR";
  if (strncmp (l, "pt", 2) == 0)
    return "pt";
  if (strncmp (l, "ar", 2) == 0)
    return "ar";
  return "en";
}

bool
ws_i18n_rtl (void)
{
  return strcmp (ws_i18n_language (), "ar") == 0;
}

size_t
ws_i18n_width (const char *s, size_t len)
{
  size_t w = 0;
  const char *p = s, *e = s + len;
  while (p < e)
    {
      gunichar c = g_utf8_get_char_validated (p, e - p);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          /* an invalid byte (the text escapes them): one column */
          w++;
          p++;
          continue;
        }
      /* format characters (isolates, marks, embeddings: Cf) and combining
       * marks (the harakat of Arabic: Mn, Me) take no column; East Asian
       * wide and fullwidth characters two; Arabic letters one */
      if (g_unichar_iszerowidth (c) || g_unichar_type (c) == G_UNICODE_FORMAT)
        ;
      else if (g_unichar_iswide (c))
        w += 2;
      else
        w++;
      p = g_utf8_next_char (p);
    }
  return w;
}

const char *
ws_i18n_cols_end (const char *s, size_t len, size_t cols)
{
  const char *p = s, *e = s + len;
  while (p < e)
    {
      const char *next = p;
      gunichar c = g_utf8_get_char_validated (p, e - p);
      next = c == (gunichar) -1 || c == (gunichar) -2 ? p + 1 : g_utf8_next_char (p);
      if (next > e)
        next = e;
      size_t cw = ws_i18n_width (p, (size_t) (next - p));
      if (cw > cols)
        break;
      cols -= cw;
      p = next;
    }
  /* the zero-width characters that follow (harakat) belong to the last one */
  while (p < e)
    {
      gunichar c = g_utf8_get_char_validated (p, e - p);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        break;
      const char *next = g_utf8_next_char (p);
      if (ws_i18n_width (p, (size_t) (next - p)) != 0)
        break;
      p = next;
    }
  return p;
}

ws_i18n_numbers
ws_i18n_numbers_begin (void)
{
  ws_i18n_numbers n = { NULL, NULL };
  /* printf's "'" flag groups as LC_NUMERIC does: "C" for JSON and CSV (set
   * by ws_i18n_init), the environment's while a reader's text is written */
  if (!ws_i18n_translating)
    return n;
  locale_t base = duplocale (LC_GLOBAL_LOCALE);
  if (!base)
    return n;
  locale_t num = newlocale (LC_NUMERIC_MASK, "", base);
  if (!num)
    {
      freelocale (base);
      return n;
    }
  n.was = uselocale (num);
  n.num = num;
  return n;
}

void
ws_i18n_numbers_end (ws_i18n_numbers *n)
{
  if (!n->num)
    return;
  uselocale ((locale_t) n->was);
  freelocale ((locale_t) n->num);
  n->num = NULL;
}

void
ws_i18n_isolate (bool on)
{
  ws_i18n_isolating = on && ws_i18n_translating && ws_i18n_rtl ();
}

const char *
ws_i18n_isolate_fmt (const char *fmt, char *buf, size_t len)
{
  /* a sentence passed on whole ("%s") is not a quoted value */
  if (!ws_i18n_isolating || !fmt || !strstr (fmt, "%s") || strcmp (fmt, "%s") == 0)
    return fmt;
  size_t o = 0;
  for (const char *p = fmt; *p; p++)
    {
      bool arg = p[0] == '%' && p[1] == 's';
      size_t need = arg ? 2 * 3 + 2 : (p[0] == '%' && p[1] == '%') ? 2 : 1;
      if (o + need + 1 > len)
        return fmt;
      if (arg)
        {
          memcpy (buf + o, WS_FSI "%s" WS_PDI, 8);
          o += 8;
          p++;
        }
      else if (p[0] == '%' && p[1] == '%')
        {
          buf[o++] = '%';
          buf[o++] = '%';
          p++;
        }
      else
        buf[o++] = *p;
    }
  buf[o] = '\0';
  return buf;
}

size_t
ws_i18n_drop_empty_isolates (char *s, size_t len)
{
  static const char pair[] = WS_FSI WS_PDI;
  size_t o = 0;
  for (size_t i = 0; i < len;)
    if (i + 6 <= len && memcmp (s + i, pair, 6) == 0)
      i += 6;
    else
      s[o++] = s[i++];
  if (o < len)
    s[o] = '\0';
  return o;
}
