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
#include <stddef.h>

#define GETTEXT_PACKAGE "wsclosed"

/* The translation of msgid when translation is on, else msgid itself. */
const char *ws_gettext (const char *msgid) __attribute__ ((format_arg (1)));
/* The same for a message with a plural form, chosen by n. */
const char *ws_ngettext (const char *msgid, const char *plural, unsigned long n)
  __attribute__ ((format_arg (1))) __attribute__ ((format_arg (2)));

#define _(s) ws_gettext (s)
#define N_(s) (s)
/* A message with a context (msgctxt), for a word that means different
 * things in different places: C_("side", "client"). */
const char *ws_pgettext (const char *ctx, const char *msgid) __attribute__ ((format_arg (2)));
#define C_(ctx, s) ws_pgettext ((ctx), (s))
#define NC_(ctx, s) (s)

/* True while messages are translated into a language that has a catalog
 * (not English): the diagnosis translates its sentences (cause.c) only
 * then, so that an English run costs one test per sentence. */
extern bool ws_i18n_translating;
/* The translation of a sentence of the diagnosis, passed on as a literal
 * (marked by the keywords in am/i18n.am); NULL stays NULL. */
static inline const char *
ws_tr (const char *msgid) __attribute__ ((format_arg (1)));
static inline const char *
ws_tr (const char *msgid)
{
  return ws_i18n_translating && msgid ? ws_gettext (msgid) : msgid;
}

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

/* The decimal mark of numbers written for a reader: the locale's
 * (LC_NUMERIC from the environment, e.g. "," in pt_BR) while translation is
 * on, "." when it is off (JSON, CSV), whatever the locale. */
extern const char *ws_i18n_dp;    /* the mark when not ".", else NULL */
static inline const char *
ws_i18n_decimal (void)
{
  return ws_i18n_dp ? ws_i18n_dp : ".";
}

/* Bidi isolation for right-to-left output: wire values (paths, hosts,
 * reasons, addresses) are wrapped in U+2068 FIRST STRONG ISOLATE .. U+2069
 * POP DIRECTIONAL ISOLATE when the language is right-to-left, so that an
 * Arabic line does not reorder them and they keep their own direction.
 * Each is 3 bytes in UTF-8 and takes no column on a terminal (see
 * ws_i18n_width); U+2066 LEFT-TO-RIGHT ISOLATE is recognised too. */
#define WS_LRI "\xe2\x81\xa6"
#define WS_FSI "\xe2\x81\xa8"
#define WS_PDI "\xe2\x81\xa9"
/* True while the sentences of the diagnosis isolate what they quote: the
 * language is right-to-left and the output is text for a terminal
 * (ws_i18n_isolate).  Each %s of a sentence (wire values, durations, names)
 * is then wrapped in U+2068 FIRST STRONG ISOLATE .. U+2069: a path or a
 * "60.0 s" stays left-to-right, an Arabic phrase right-to-left. */
extern bool ws_i18n_isolating;
void ws_i18n_isolate (bool on);
/* The format fmt with each %s isolated as above, into buf (len bytes);
 * fmt itself when not isolating or when buf is too small. */
const char *ws_i18n_isolate_fmt (const char *fmt, char *buf, size_t len)
  __attribute__ ((format_arg (1)));
/* Take out of s (len bytes) the isolates around nothing (an empty value);
 * the new length, s NUL-terminated again when shorter. */
size_t ws_i18n_drop_empty_isolates (char *s, size_t len);
/* The columns (display cells) a UTF-8 string takes on a terminal:
 * characters, not bytes; the isolates and other format characters and the
 * combining marks (harakat) take none, East Asian wide characters two. */
size_t ws_i18n_width (const char *s, size_t len);
/* The end of the first cols columns of s (len bytes), the zero-width
 * characters that follow the last one kept with it. */
const char *ws_i18n_cols_end (const char *s, size_t len, size_t cols);

/* Numbers written for a reader grouped as the reader's locale groups them
 * (1.234.567 in pt_BR): from ws_i18n_numbers_begin to ws_i18n_numbers_end
 * (same thread), printf's "'" flag and the decimal mark of "%.1f" follow
 * the environment's LC_NUMERIC while translating; otherwise, and always for
 * JSON and CSV, LC_NUMERIC stays "C" (no grouping, "."). */
typedef struct {
  void *num;                  /* the locale in use in between (locale_t) */
  void *was;                  /* the thread's locale before it */
} ws_i18n_numbers;
ws_i18n_numbers ws_i18n_numbers_begin (void);
void ws_i18n_numbers_end (ws_i18n_numbers *n);

#endif
