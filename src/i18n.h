/* i18n.h - messages in the reader's language (gettext).
 *
 * Text meant for a person (--help, errors, --explain, the text report and
 * its causes) goes through _().  Contracts never do: JSON keys, cause ids,
 * close codes and CSV headers are the same in every locale, and JSON and CSV
 * string values stay English unless --lang asks for a language, so that a
 * dashboard does not break when a machine's locale changes.  That is why
 * translation can be switched off for a run (ws_i18n_enable): the diagnosis
 * builds its sentences through _() and produces English for JSON and CSV.
 */
#ifndef WS_I18N_H
#define WS_I18N_H

#include <stdbool.h>

#define GETTEXT_PACKAGE "wsclosed"

/* The translation of msgid when translation is on, else msgid itself. */
const char *ws_gettext (const char *msgid) __attribute__ ((format_arg (1)));
/* The same for a message with a plural form, chosen by n. */
const char *ws_ngettext (const char *msgid, const char *plural, unsigned long n)
  __attribute__ ((format_arg (1))) __attribute__ ((format_arg (2)));

#define _(s) ws_gettext (s)
#define N_(s) (s)

/* Set the locale from the environment (LC_ALL, LC_MESSAGES, LANG) and bind
 * the catalogs: $WSCLOSED_LOCALEDIR (the build tree's, for the tests) or
 * the installed ones.  lang (from --lang, e.g. "pt_BR" or "ar"), when not
 * NULL, overrides the environment's language for messages. */
void ws_i18n_init (const char *lang);
/* Translation on or off for what follows (on after ws_i18n_init). */
void ws_i18n_enable (bool on);
bool ws_i18n_enabled (void);
/* The language messages are shown in: "pt_BR", "ar", or "en" when
 * untranslated.  Right-to-left for "ar". */
const char *ws_i18n_language (void);
bool ws_i18n_rtl (void);

#endif
