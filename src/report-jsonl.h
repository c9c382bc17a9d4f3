/* report-jsonl.h - JSON Lines files (as `wsclosed -F json` and the daemon
 * write them) read back into report records (report-model.h).
 */
#ifndef WS_REPORT_JSONL_H
#define WS_REPORT_JSONL_H

#include <stdint.h>

#include "report-model.h"

/* From one JSON Lines record (as ws_json_record writes it).  Returns NULL
 * and sets error when the line is not a JSON object. */
ws_report_rec *ws_report_rec_from_json (const char *line, size_t len, GError **error);

typedef struct {
  void (*record) (ws_report_rec *r, void *user);   /* takes r */
  void (*progress) (size_t bytes, void *user);     /* bytes read; may be NULL */
} ws_report_jsonl_cbs;

typedef struct ws_report_jsonl ws_report_jsonl;

ws_report_jsonl *ws_report_jsonl_new (const ws_report_jsonl_cbs *cbs, void *user);
void ws_report_jsonl_free (ws_report_jsonl *j);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ws_report_jsonl, ws_report_jsonl_free)

/* Read one file, a record to cbs->record for every line that is one.  Lines
 * that are not (the first five of a file) and errors are told on stderr.
 * Returns false when the file could not be read whole or had bad lines. */
bool ws_report_jsonl_read (ws_report_jsonl *j, const char *path);
/* Lines skipped so far, over every file read. */
uint64_t ws_report_jsonl_bad_lines (const ws_report_jsonl *j);

#endif
