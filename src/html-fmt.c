/* html-fmt.c - the page's smallest pieces: escaping, strings from the
 * wire isolated left to right, numbers with the language's digits and
 * separators, times and durations, and the fixed colour of each close code
 * and cause (see html-internal.h).
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "html-internal.h"
#include "html.h"
#include "i18n.h"

void
ws_html_escape (GString *out, const char *s)
{
  if (!s)
    return;
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      switch (*p)
        {
        case '&': g_string_append (out, "&amp;"); break;
        case '<': g_string_append (out, "&lt;"); break;
        case '>': g_string_append (out, "&gt;"); break;
        case '"': g_string_append (out, "&quot;"); break;
        case '\'': g_string_append (out, "&#39;"); break;
        default:
          if (*p < 0x20 || *p == 0x7F)
            g_string_append_printf (out, "\\x%02x", *p);
          else if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
            {
              /* C1 controls */
              g_string_append_printf (out, "\\u%04x", p[1]);
              p++;
            }
          else
            g_string_append_c (out, (char) *p);
        }
    }
}

void
html_wire (GString *o, const char *s)
{
  g_string_append (o, "<bdi dir=\"ltr\">");
  ws_html_escape (o, s);
  g_string_append (o, "</bdi>");
}

void
html_code (GString *o, const char *s)
{
  g_string_append (o, "<code dir=\"ltr\">");
  ws_html_escape (o, s);
  g_string_append (o, "</code>");
}

/* ---- numbers in the reader's language ------------------------------------------ */

typedef enum { NF_EN, NF_PT, NF_AR } numfmt;

/* The page's numbers follow the process's language (set once by main). */
static numfmt
numbers (void)
{
  const char *lang = ws_i18n_language ();
  return !strcmp (lang, "ar") ? NF_AR : !strncmp (lang, "pt", 2) ? NF_PT : NF_EN;
}

static void
digits (GString *o, const char *s, numfmt nf)
{
  for (; *s; s++)
    if (nf == NF_AR && *s >= '0' && *s <= '9')
      {
        /* U+0660.. ARABIC-INDIC DIGIT ZERO.. */
        g_string_append_c (o, (char) 0xD9);
        g_string_append_c (o, (char) (0xA0 + (*s - '0')));
      }
    else
      g_string_append_c (o, *s);
}

static void
group_int (GString *o, const char *d, numfmt nf)
{
  static const char *const sep[] = { ",", ".", "\xD9\xAC" };  /* U+066C */
  size_t n = strlen (d);
  for (size_t i = 0; i < n; i++)
    {
      if (i && d[i - 1] != '-' && (n - i) % 3 == 0)
        g_string_append (o, sep[nf]);
      char c[2] = { d[i], 0 };
      digits (o, c, nf);
    }
}

void
html_num (GString *o, uint64_t v)
{
  char d[32];
  g_snprintf (d, sizeof d, "%" PRIu64, v);
  group_int (o, d, numbers ());
}

/* v with one decimal. */
void
html_num1 (GString *o, double v)
{
  static const char *const dec[] = { ".", ",", "\xD9\xAB" };  /* U+066B */
  numfmt nf = numbers ();
  char d[64];
  g_snprintf (d, sizeof d, "%.1f", v);
  char *dot = strchr (d, '.');
  if (dot)
    *dot = '\0';
  group_int (o, d, nf);
  if (dot)
    {
      g_string_append (o, dec[nf]);
      digits (o, dot + 1, nf);
    }
}

/* A share as a percentage with one decimal. */
void
html_pct (GString *o, double share)
{
  html_num1 (o, share * 100);
  g_string_append (o, numbers () == NF_AR ? "\xD9\xAA" : "%");        /* U+066A */
}

char *
html_num_str (uint64_t v)
{
  GString *s = g_string_new (NULL);
  html_num (s, v);
  return g_string_free (s, FALSE);
}

/* The count under k in a table of key -> uint64_t* (0 when absent or no table). */
uint64_t
html_count (GHashTable *h, const char *k)
{
  const uint64_t *n = h ? g_hash_table_lookup (h, k) : NULL;
  return n ? *n : 0;
}

/* ---- times ---------------------------------------------------------------------- */

void
html_time (GString *o, int64_t ts_us, const char *fmt)
{
  int64_t sec = ws_report_seconds (ts_us);
  GDateTime *dt = g_date_time_new_from_unix_local (sec);
  if (!dt)
    return;
  g_autofree char *s = g_date_time_format (dt, fmt);
  g_date_time_unref (dt);
  g_string_append (o, "<bdi dir=\"ltr\">");
  ws_html_escape (o, s);
  g_string_append (o, "</bdi>");
}

void
html_duration (GString *o, int64_t us)
{
  double s = (double) us / 1e6;
  if (s < 1)
    {
      html_num1 (o, s * 1000);
      g_string_append (o, _(" ms"));
    }
  else if (s < 60)
    {
      html_num1 (o, s);
      g_string_append (o, _(" s"));
    }
  else if (s < 3600)
    {
      html_num1 (o, s / 60);
      g_string_append (o, _(" min"));
    }
  else
    {
      html_num1 (o, s / 3600);
      g_string_append (o, _(" h"));
    }
}

/* ---- colours: one per close code and per cause, the same in every run ------------ */

typedef struct {
  const char *key;
  const char *colour;
} key_colour;

static const key_colour fixed_colours[] = {
  /* close codes */
  { "1000", "#2e7d32" }, { "1001", "#81c784" }, { "1002", "#6a1b9a" }, { "1003", "#ab47bc" },
  { "1005", "#90a4ae" }, { "1006", "#d32f2f" }, { "1007", "#ad1457" }, { "1008", "#f06292" },
  { "1009", "#1565c0" }, { "1010", "#5e35b1" }, { "1011", "#e65100" }, { "1012", "#00897b" },
  { "1013", "#f9a825" }, { "1014", "#6d4c41" }, { "1015", "#37474f" }, { "open", "#cfd8dc" },
  /* causes: alike causes in alike colours, green for the normal ones */
  { "normal_closure", "#2e7d32" },
  { "endpoint_going_away", "#81c784" },
  { "still_open", "#cfd8dc" },
  { "none", "#b0bec5" },
  { "no_status", "#90a4ae" },
  { "idle_timeout", "#fb8c00" },
  { "keepalive_timeout", "#ffb74d" },
  { "peer_reset", "#c62828" },
  { "connection_dropped", "#8d1c1c" },
  { "protocol_violation", "#6a1b9a" },
  { "unsupported_data", "#ab47bc" },
  { "invalid_payload", "#ad1457" },
  { "policy_violation", "#f06292" },
  { "message_too_big", "#1565c0" },
  { "extension_not_negotiated", "#5e35b1" },
  { "server_internal_error", "#e65100" },
  { "service_restart", "#00897b" },
  { "try_again_later", "#f9a825" },
  { "bad_gateway", "#6d4c41" },
  { "handshake_rejected", "#455a64" },
  { "handshake_accept_mismatch", "#0277bd" },
  { "handshake_unrequested_extension", "#4dd0e1" },
  { "handshake_unrequested_subprotocol", "#26a69a" },
  { "application_code", "#7986cb" },
  { "invalid_close_code", "#9e9d24" },
  { "tls_not_decrypted", "#757575" },
  { "close_storm", "#bf360c" },
  { "server_restart", "#004d40" },
};

/* The colour of a close code or cause: from the table, else from a hash of
 * the key (an application code 4xxx, a cause added later): never from its
 * rank in the run. */
const char *
ws_html_series_colour (const char *key)
{
  for (size_t i = 0; i < G_N_ELEMENTS (fixed_colours); i++)
    if (strcmp (fixed_colours[i].key, key) == 0)
      return fixed_colours[i].colour;
  /* 24 hues, in a darker band than the table's so they read as "other" */
  static const char *const hashed[] = {
    "#8c3b3b", "#8c533b", "#8c6b3b", "#8c833b", "#748c3b", "#5c8c3b", "#448c3b", "#3b8c4c",
    "#3b8c64", "#3b8c7c", "#3b7f8c", "#3b678c", "#3b4f8c", "#433b8c", "#5b3b8c", "#733b8c",
    "#8b3b8c", "#8c3b77", "#8c3b5f", "#8c3b47", "#6b5a4a", "#4a6b5a", "#5a4a6b", "#6b6b4a",
  };
  uint32_t h = 2166136261u;   /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *) key; *p; p++)
    h = (h ^ *p) * 16777619u;
  return hashed[h % G_N_ELEMENTS (hashed)];
}
