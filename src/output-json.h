/* output-json.h - a connection record as JSON. */
#ifndef WS_OUTPUT_JSON_H
#define WS_OUTPUT_JSON_H

#include <glib.h>
#include "conn.h"

/* One JSON object (no newline) for a record: the contract keys. */
void ws_json_record (GString *out, const ws_conn *c);

#endif
