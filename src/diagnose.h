/* diagnose.h - from the facts in a ws_conn to the likely cause of its close,
 * with evidence and a fix (the cause ids are a JSON contract, see README).
 *
 * Per-connection rules look only at the record.  Cross-connection rules
 * (reconnects after 1001/1012/1013, close storms from one server, many 1006
 * after the same idle time) look at a window of brief summaries of the
 * connections around it, which the analyzer keeps.
 */
#ifndef WS_DIAGNOSE_H
#define WS_DIAGNOSE_H

#include "cause.h"
#include "record.h"
#include "window.h"

/* What the cross-connection rules look at: the briefs of the connections
 * around this one (NULL: none). */
typedef struct {
  const ws_conn_index *index;
  bool no_evidence;           /* the report will not show the evidence: it
                               * is not built (cause and texts are the same) */
} ws_conn_window;

/* Fill c->cause (clearing what was there).  w may be NULL, or its index
 * NULL or empty. */
void ws_diagnose (ws_conn *c, const ws_conn_window *w);

#endif
