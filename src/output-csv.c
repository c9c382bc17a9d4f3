/* output-csv.c - a connection record as a CSV row (RFC 4180: CRLF, every
 * string quoted), the columns named by a header row.  Null values are empty
 * fields, empty strings "".
 */
#include "config.h"

#include <string.h>

#include "output-csv.h"
#include "output-escape.h"
#include "output-fields.h"

static const char *const csv_columns[] = {
  "id", "client_ip", "client_port", "server_ip", "server_port", "start_ts",
  "end_ts", "host", "path", "handshake_status", "accept_valid",
  "offered_extensions", "accepted_extensions", "offered_subprotocols",
  "accepted_subprotocol", "close_code", "close_reason", "close_initiator",
  "close_echoed", "tcp_end", "tcp_end_by", "client_frames", "server_frames",
  "client_bytes", "server_bytes", "violations", "cause_id", "cause_summary",
  /* added after the contract columns: back to the packets */
  "source_file", "first_frame", "last_frame", "duration_s", "display_filter",
};

void
ws_csv_header (GString *o)
{
  for (size_t i = 0; i < G_N_ELEMENTS (csv_columns); i++)
    {
      if (i)
        g_string_append_c (o, ',');
      g_string_append (o, csv_columns[i]);
    }
  g_string_append (o, "\r\n");
}

static void
csv_addr (GString *o, const ws_addr *a)
{
  char buf[64];

  ws_addr_format (a, buf, sizeof buf);
  ws_csv_field (o, buf);
}

/* The handshake: host, path, status, accept check, extensions and
 * subprotocols offered and accepted. */
static void
csv_handshake (GString *o, const ws_conn *c)
{
  ws_csv_field (o, c->host);
  g_string_append_c (o, ',');
  ws_csv_field (o, c->path);
  g_string_append_c (o, ',');
  if (c->handshake_status >= 0)
    put_u64 (o, (uint64_t) c->handshake_status);
  g_string_append_c (o, ',');
  if (c->accept_valid >= 0)
    g_string_append (o, c->accept_valid ? "true" : "false");
  g_string_append_c (o, ',');
  ws_csv_field (o, c->offered_extensions);
  g_string_append_c (o, ',');
  ws_csv_field (o, c->accepted_extensions);
  g_string_append_c (o, ',');
  ws_csv_field (o, c->offered_subprotocols);
  g_string_append_c (o, ',');
  ws_csv_field (o, c->accepted_subprotocol);
  g_string_append_c (o, ',');
}

/* The close: code, reason, initiator, echo, how TCP ended and by whom. */
static void
csv_close (GString *o, const ws_conn *c)
{
  int code = ws_conn_close_code (c);
  size_t reason_len;
  const char *reason = ws_contract_close_reason (c, &reason_len);

  if (code >= 0)
    put_u64 (o, (uint64_t) code);
  g_string_append_c (o, ',');
  if (reason)
    ws_csv_field_len (o, reason, reason_len); /* NUL bytes too: shown as \x00 */
  g_string_append_c (o, ',');
  ws_csv_field (o, ws_side_valid (c->close_initiator) ? ws_side_name (c->close_initiator) : NULL);
  g_string_append_c (o, ',');
  g_string_append (o, c->close[WS_SIDE_CLIENT].seen && c->close[WS_SIDE_SERVER].seen
                      ? "true" : "false");
  g_string_append_c (o, ',');
  ws_csv_field (o, ws_tcp_end_name (c->tcp_end));
  g_string_append_c (o, ',');
  ws_csv_field (o, c->tcp_end != WS_TCP_END_OPEN && ws_side_valid (c->tcp_end_by)
                   ? ws_side_name (c->tcp_end_by) : NULL);
}

/* The violations as "kind@side;kind@side". */
static void
csv_violations (GString *o, const ws_conn *c)
{
  unsigned nv = MIN (c->n_violations, (unsigned) WS_MAX_VIOLATIONS);

  g_autoptr (GString) v = g_string_new (NULL);
  for (unsigned i = 0; i < nv; i++)
    {
      const char *side = ws_side_name (c->violations[i].side);
      if (i)
        g_string_append_c (v, ';');
      g_string_append (v, ws_violation_name (c->violations[i].kind));
      if (ws_side_valid (c->violations[i].side) && side)
        g_string_append_printf (v, "@%s", side);
    }
  ws_csv_field (o, v->str);
}

/* Null values are empty fields, empty strings are "". */
void
ws_csv_record (GString *o, const ws_conn *c)
{
  put_u64 (o, c->id);
  gs_putc (o, ',');
  csv_addr (o, &c->addr[WS_SIDE_CLIENT]);
  gs_putc (o, ',');
  put_u64 (o, c->port[WS_SIDE_CLIENT]);
  gs_putc (o, ',');
  csv_addr (o, &c->addr[WS_SIDE_SERVER]);
  gs_putc (o, ',');
  put_u64 (o, c->port[WS_SIDE_SERVER]);
  gs_putc (o, ',');
  ws_ts_append (o, c->start_us);   /* known for every record, 0 included */
  g_string_append_c (o, ',');
  if (c->end_us)
    ws_ts_append (o, c->end_us);
  g_string_append_c (o, ',');
  csv_handshake (o, c);
  csv_close (o, c);
  {
    const uint64_t n[4] = { c->dir[WS_SIDE_CLIENT].frames, c->dir[WS_SIDE_SERVER].frames,
                            c->dir[WS_SIDE_CLIENT].tcp_bytes, c->dir[WS_SIDE_SERVER].tcp_bytes };
    for (size_t i = 0; i < G_N_ELEMENTS (n); i++)
      {
        gs_putc (o, ',');
        put_u64 (o, n[i]);
      }
    gs_putc (o, ',');
  }
  csv_violations (o, c);
  g_string_append_c (o, ',');
  ws_csv_field (o, c->cause.id);
  g_string_append_c (o, ',');
  ws_csv_field (o, c->cause.id ? c->cause.summary : NULL);
  g_string_append_c (o, ',');
  ws_csv_field (o, c->first_file);
  g_string_append_c (o, ',');
  if (c->first_frame)
    put_u64 (o, c->first_frame);
  g_string_append_c (o, ',');
  if (c->last_frame)
    put_u64 (o, c->last_frame);
  g_string_append_c (o, ',');
  int64_t dur = ws_duration_us (c);
  if (dur >= 0)
    ws_ts_append (o, dur);
  g_string_append_c (o, ',');
  {
    g_autoptr (GString) df = g_string_new (NULL);
    if (ws_display_filter (c, df))
      ws_csv_field (o, df->str);
  }
  g_string_append (o, "\r\n");
}
