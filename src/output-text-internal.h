/* output-text-internal.h - what the two files of the text report share:
 * the tally kept across records (output-text.c writes the rows and keeps
 * which fixes and dates were shown; output-text-totals.c counts and writes
 * the totals block) and the cell and escaping pieces of output-text.c that
 * the totals use too.  Not for use outside output-text*.c; output-text.h is
 * the report's interface (not included here, so that output-text.c and
 * this header form no include cycle).
 */
#ifndef WS_OUTPUT_TEXT_INTERNAL_H
#define WS_OUTPUT_TEXT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

/* The table's column widths in the reader's language (output-text.c). */
typedef struct {
  const char *key;              /* _("CLOSE") when worked out */
  size_t clock, ends, status, code, lead;
} text_cols;

struct ws_text_tally {
  uint64_t records;
  uint64_t handshake_failures;
  uint64_t midstream;
  uint64_t with_violations;
  uint64_t no_cause;
  GHashTable *by_code;        /* GINT_TO_POINTER (code or -1) -> uint64_t* */
  GHashTable *by_cause;       /* cause id (copy) -> uint64_t* */
  GHashTable *storms;         /* "server around minute" (copy) -> uint64_t* */
  GHashTable *fixes_shown;    /* "cause/detail" whose fix was printed */
  char *last_date;            /* the date line last printed */
  text_cols cols;             /* worked out again when the language changed */
};

/* Append s (already safe, valid UTF-8) cut to width display cells, padded
 * to width when pad. */
void text_cell (GString *o, const char *s, size_t width, bool pad);
/* A NUL-terminated wire value, made safe (none for NULL). */
void text_wire_str (GString *o, const char *s);
/* A diagnosis string made safe, its paired isolates kept. */
void text_diag_safe (GString *o, const char *s);
/* A NUL-terminated string made safe (none for NULL). */
void text_str_safe (GString *o, const char *s);
/* Display cells a safe, valid UTF-8 string takes on a terminal. */
size_t text_width (const char *s, size_t len);

#endif
