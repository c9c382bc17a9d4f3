/* tls-json.c - the "tls" object of a JSON record:
 *
 *   "tls":{"version":"TLS 1.3","offered_version":"TLS 1.3",
 *          "cipher_suite":"TLS_AES_128_GCM_SHA256","sni":"example.com",
 *          "alpn_offered":["http/1.1"],"alpn":"http/1.1",
 *          "decrypted":true,"not_decrypted_reason":null,
 *          "alerts":[{"side":"client","level":"warning","description":"close_notify","ts":...}],
 *          "close_notify":{"client":true,"server":false},
 *          "records":{"client":5,"server":7},"bad_record_mac":0,"malformed":0,
 *          "key_updates":0,
 *          "last_record_ts":{"client":...,"server":...},
 *          "silence_before_end":{"client":0.3,"server":0.2},
 *          "last_records":[{"side":"client","type":"application_data","length":25,"ts":...}],
 *          "gaps":0,"resyncs":0,"lost_records":0,
 *          "early_data":{"offered":false,"accepted":false,"records":0,"decrypted_records":0}}
 *
 * silence_before_end: seconds from each side's last record to the first
 * FIN or RST (null when it sent none or TCP did not end); last_records:
 * the last few records of both sides as the wire shows them (outer type
 * and length: for TLS 1.3 all that is known of an end not decrypted);
 * lost_records: records lost in capture gaps, null when not counted (only
 * decryption can count them).
 *
 * Strings from the wire (SNI, ALPN) go through ws_json_string's escaping.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "output-escape.h"
#include "tls-json.h"
#include "tlsconn.h"
#include "tlsdec.h"

static void
version (GString *o, const char *key, uint16_t v)
{
  g_string_append_printf (o, ",\"%s\":", key);
  switch (v)
    {
    case 0: g_string_append (o, "null"); return;
    case 0x0300: g_string_append (o, "\"SSL 3.0\""); return;
    case 0x0301: g_string_append (o, "\"TLS 1.0\""); return;
    case 0x0302: g_string_append (o, "\"TLS 1.1\""); return;
    case 0x0303: g_string_append (o, "\"TLS 1.2\""); return;
    case 0x0304: g_string_append (o, "\"TLS 1.3\""); return;
    default: g_string_append_printf (o, "\"0x%04x\"", v); return;
    }
}

static void
ts_or_null (GString *o, int64_t us)
{
  if (us)
    ws_ts_append (o, us);
  else
    g_string_append (o, "null");
}

static void
str_or_null (GString *o, const char *key, const char *s)
{
  g_string_append_printf (o, ",\"%s\":", key);
  ws_json_string (o, s && *s ? s : NULL, s ? strlen (s) : 0);
}

/* "alpn_offered": the comma-joined list as an array. */
static void
alpn_offered (GString *o, const char *a)
{
  g_string_append (o, ",\"alpn_offered\":[");
  bool first = true;
  while (*a)
    {
      const char *comma = strchr (a, ',');
      size_t n = comma ? (size_t) (comma - a) : strlen (a);
      if (!first)
        g_string_append_c (o, ',');
      ws_json_string (o, a, n);
      first = false;
      a += n + (comma ? 1 : 0);
    }
  g_string_append_c (o, ']');
}

/* "alerts": side, level and description by name where known (null:
 * encrypted, not decrypted). */
static void
alerts (GString *o, const ws_tls_info *in)
{
  g_string_append (o, ",\"alerts\":[");
  for (unsigned i = 0; i < in->n_alerts; i++)
    {
      const ws_tls_alert *al = &in->alerts[i];
      const char *d = al->description >= 0 ? ws_tls_alert_name (al->description) : NULL;
      g_string_append_printf (o, "%s{\"side\":\"%s\",\"level\":", i ? "," : "",
                              al->side == 0 ? "client" : "server");
      if (al->level == 1)
        g_string_append (o, "\"warning\"");
      else if (al->level == 2)
        g_string_append (o, "\"fatal\"");
      else if (al->level < 0)
        g_string_append (o, "null");
      else
        g_string_append_printf (o, "%d", al->level);
      g_string_append (o, ",\"description\":");
      if (d)
        g_string_append_printf (o, "\"%s\"", d);
      else if (al->description < 0)
        g_string_append (o, "null");
      else
        g_string_append_printf (o, "%d", al->description);
      g_string_append_printf (o, ",\"encrypted\":%s,\"ts\":",
                              al->encrypted ? "true" : "false");
      ws_ts_append (o, al->ts_us);
      g_string_append_c (o, '}');
    }
}

/* When the TCP connection ended: the first FIN or RST of either side (0:
 * open). */
static int64_t
tcp_end_us (const ws_conn *c)
{
  int64_t end = 0;
  if (c->tcp_end != WS_TCP_END_OPEN)
    for (int s = 0; s < 2; s++)
      {
        int64_t t = c->fin_us[s] ? c->fin_us[s] : c->rst_us[s];
        if (c->rst_us[s] && (!t || c->rst_us[s] < t))
          t = c->rst_us[s];
        if (t && (!end || t < end))
          end = t;
      }
  return end;
}

/* "last_records": the ring of the last records of both sides, oldest
 * first. */
static void
last_records (GString *o, const ws_tls_info *in)
{
  g_string_append (o, "},\"last_records\":[");
  for (unsigned k = 0; k < in->n_last; k++)
    {
      unsigned i = (in->last_next + WS_TLS_LAST_RECORDS - in->n_last + k) % WS_TLS_LAST_RECORDS;
      const ws_tls_rec_seen *r = &in->last[i];
      static const char *const types[] = { "change_cipher_spec", "alert", "handshake",
                                           "application_data", "heartbeat" };
      g_string_append_printf (o, "%s{\"side\":\"%s\",\"type\":", k ? "," : "",
                              r->side ? "server" : "client");
      if (r->type >= 20 && r->type <= 24)
        g_string_append_printf (o, "\"%s\"", types[r->type - 20]);
      else
        g_string_append_printf (o, "%u", r->type);
      g_string_append_printf (o, ",\"length\":%u,\"ts\":", (unsigned) r->len);
      ws_ts_append (o, r->ts_us);
      g_string_append_c (o, '}');
    }
}

void
ws_tls_json (GString *o, const ws_conn *c)
{
  const ws_tls_info *in = ws_tls_conn_info (c);
  if (!in)
    return;
  g_string_append (o, ",\"tls\":{\"handshake_seen\":");
  g_string_append (o, in->client_hello && in->server_hello ? "true" : "false");
  version (o, "version", in->server_hello || in->hello_retry ? in->version : 0);
  version (o, "offered_version", in->client_hello ? in->offered_version : 0);
  g_string_append (o, ",\"cipher_suite\":");
  if (in->server_hello || in->hello_retry)
    {
      const char *name = ws_tls_suite_name (in->cipher_suite);
      if (name)
        ws_json_string (o, name, strlen (name));
      else
        g_string_append_printf (o, "\"0x%04x\"", in->cipher_suite);
    }
  else
    g_string_append (o, "null");
  str_or_null (o, "sni", in->sni);
  alpn_offered (o, in->alpn_offered);
  str_or_null (o, "alpn", in->alpn_seen ? in->alpn : NULL);
  g_string_append_printf (o, ",\"decrypted\":%s", in->decrypted ? "true" : "false");
  const char *reason = ws_tls_json_reason (in);
  str_or_null (o, "not_decrypted_reason", reason);
  alerts (o, in);
  g_string_append_printf (o, "],\"alerts_dropped\":%u", in->alerts_dropped);
  g_string_append_printf (o, ",\"close_notify\":{\"client\":%s,\"server\":%s}",
                          in->close_notify[0] ? "true" : "false",
                          in->close_notify[1] ? "true" : "false");
  g_string_append_printf (o, ",\"records\":{\"client\":%" PRIu64 ",\"server\":%" PRIu64 "}",
                          in->records[0], in->records[1]);
  g_string_append_printf (o, ",\"decrypted_records\":{\"client\":%" PRIu64
                          ",\"server\":%" PRIu64 "}",
                          in->decrypted_records[0], in->decrypted_records[1]);
  g_string_append_printf (o, ",\"bad_record_mac\":%" PRIu64 ",\"malformed\":%" PRIu64
                          ",\"key_updates\":%u,\"held_records_given_up\":%" PRIu64,
                          in->bad_record_mac, in->malformed, in->key_updates,
                          in->records_dropped);
  g_string_append (o, ",\"last_record_ts\":{\"client\":");
  ts_or_null (o, in->last_record_us[0]);
  g_string_append (o, ",\"server\":");
  ts_or_null (o, in->last_record_us[1]);
  int64_t end = tcp_end_us (c);
  g_string_append (o, "},\"silence_before_end\":{");
  for (int s = 0; s < 2; s++)
    {
      g_string_append_printf (o, "%s\"%s\":", s ? "," : "", s ? "server" : "client");
      int64_t last = end ? ws_tls_last_before (in, s, end) : 0;
      if (last)
        g_string_append_printf (o, "%.6f", (double) (end - last) / 1e6);
      else
        g_string_append (o, "null");
    }
  last_records (o, in);
  g_string_append_printf (o, "],\"gaps\":%u,\"resyncs\":%u,\"lost_records\":", in->gaps,
                          in->resyncs);
  if (in->gaps == 0 || in->lost_records_known)
    g_string_append_printf (o, "%" PRIu64, in->lost_records);
  else
    g_string_append (o, "null");
  g_string_append_printf (o, ",\"early_data\":{\"offered\":%s,\"accepted\":%s,"
                          "\"records\":%" PRIu64 ",\"decrypted_records\":%" PRIu64 "}}",
                          in->early_data_offered ? "true" : "false",
                          in->early_data_accepted ? "true" : "false", in->early_records,
                          in->early_decrypted);
}
