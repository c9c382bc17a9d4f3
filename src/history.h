/* history.h - the report's memory: one SQLite file holding every run (a
 * night), its records and a summary by code, cause and server, so a report
 * can say what changed since the previous run and against the average of the
 * last seven.  The schema is versioned; doc/report-schema.md describes it.
 * It reads and writes the report's model (report-model.h) and nothing else
 * of the report.
 */
#ifndef WS_HISTORY_H
#define WS_HISTORY_H

#include <glib.h>

#include "report-model.h"

#define WS_HISTORY_SCHEMA_VERSION 1

typedef struct ws_history ws_history;

/* Open (creating it and its directory when missing) and check the schema:
 * a file written by a newer schema is refused. */
ws_history *ws_history_open (const char *path, GError **error);
void ws_history_close (ws_history *h);

/* A run is stored in one transaction: begin, add each record, end.  The
 * label is only known at the end (it may come from the records' dates);
 * end replaces an earlier run with the same label.  abort rolls back. */
gboolean ws_history_begin (ws_history *h, const char *inputs_json, GError **error);
gboolean ws_history_add (ws_history *h, const ws_report_rec *r, GError **error);
gboolean ws_history_end (ws_history *h, const char *label, const ws_report *rp,
                         GError **error);
void ws_history_abort (ws_history *h);

/* Compare the stored run `label` with the runs whose labels sort before it
 * (the previous one, and the average of up to WS_HISTORY_AVG_RUNS). */
ws_history_cmp *ws_history_compare (ws_history *h, const char *label, GError **error);

/* Default path: $XDG_STATE_HOME/wsclosed/history.db, else
 * ~/.local/state/wsclosed/history.db.  g_malloc'd. */
char *ws_history_default_path (void);

#endif
