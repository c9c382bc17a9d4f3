/* output-csv.h - connection records as CSV rows. */
#ifndef WS_OUTPUT_CSV_H
#define WS_OUTPUT_CSV_H

#include <glib.h>
#include "conn.h"

/* The header row naming the columns (with its CRLF). */
void ws_csv_header (GString *out);
/* One row (with its CRLF). */
void ws_csv_record (GString *out, const ws_conn *c);

#endif
