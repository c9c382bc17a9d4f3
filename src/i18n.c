/* i18n.c - see i18n.h.  The switch is process state like the locale itself:
 * set once by main before any work, read by every stage. */
#include "config.h"

#include <libintl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

static bool translate = true;

const char *
ws_gettext (const char *msgid)
{
  return translate ? dgettext (GETTEXT_PACKAGE, msgid) : msgid;
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
