/* report-input.c - which files a report reads: each INPUT is a capture, a
 * JSON Lines file (by its first byte) or a directory, whose captures
 * (rotated names included) are read together as one capture.  Shell globs
 * reach us already expanded.  See report-input.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "report-input.h"

static bool
all_digits (const char *s)
{
  if (!*s)
    return false;
  for (; *s; s++)
    if (!g_ascii_isdigit (*s))
      return false;
  return true;
}

/* name.pcap name.pcapng name.cap, optionally .gz, and rotated names:
 * name.pcap0 (tcpdump -C/-W), name.pcap.1 (logrotate). */
bool
ws_report_is_capture_name (const char *name)
{
  static const char *const exts[] = { ".pcapng", ".pcap", ".cap" };
  g_autofree char *n = g_strdup (name);
  size_t len = strlen (n);
  if (len > 3 && g_str_has_suffix (n, ".gz"))
    n[len - 3] = '\0';
  for (size_t i = 0; i < G_N_ELEMENTS (exts); i++)
    {
      const char *p = n;
      const char *hit = NULL;
      while ((p = strstr (p, exts[i])) != NULL)
        {
          hit = p;
          p++;
        }
      if (!hit || hit == n)
        continue;
      const char *rest = hit + strlen (exts[i]);
      if (*rest == '\0' || all_digits (rest) || (rest[0] == '.' && all_digits (rest + 1)))
        return true;
    }
  return false;
}

/* Natural order, so name.pcap2 comes before name.pcap10 (the order does not
 * change the result, packets are merged by time; it keeps messages tidy). */
static gint
natural_cmp (gconstpointer a, gconstpointer b)
{
  const char *x = *(const char *const *) a, *y = *(const char *const *) b;
  while (*x && *y)
    {
      if (g_ascii_isdigit (*x) && g_ascii_isdigit (*y))
        {
          char *ex, *ey;
          guint64 nx = g_ascii_strtoull (x, &ex, 10), ny = g_ascii_strtoull (y, &ey, 10);
          if (nx != ny)
            return nx < ny ? -1 : 1;
          x = ex;
          y = ey;
          continue;
        }
      if (*x != *y)
        return (guchar) *x < (guchar) *y ? -1 : 1;
      x++;
      y++;
    }
  return (guchar) *x - (guchar) *y;
}

/* JSON Lines when the first non-space byte is '{' (or the file is empty). */
static bool
looks_like_jsonl (const char *path, bool *ok)
{
  *ok = true;
  FILE *fp = fopen (path, "rb");
  if (!fp)
    {
      *ok = false;
      return false;
    }
  char buf[4096];
  size_t n;
  bool json = true;   /* empty: an empty map output */
  while ((n = fread (buf, 1, sizeof buf, fp)) > 0)
    {
      size_t i = 0;
      while (i < n && g_ascii_isspace (buf[i]))
        i++;
      if (i < n)
        {
          json = buf[i] == '{';
          break;
        }
    }
  fclose (fp);
  return json;
}

uint64_t
ws_report_file_size (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 ? (uint64_t) st.st_size : 0;
}

/* Sort INPUTs into captures and JSON Lines files.  Returns problems found. */
int
ws_report_collect_inputs (char **inputs, GPtrArray *caps, GPtrArray *jsonl)
{
  int problems = 0;
  for (char **in = inputs; *in; in++)
    {
      if (g_file_test (*in, G_FILE_TEST_IS_DIR))
        {
          g_autoptr (GError) e = NULL;
          GDir *d = g_dir_open (*in, 0, &e);
          if (!d)
            {
              g_printerr ("wsclosed report: %s\n", e->message);
              problems++;
              continue;
            }
          g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
          const char *name;
          while ((name = g_dir_read_name (d)) != NULL)
            if (name[0] != '.' && ws_report_is_capture_name (name))
              g_ptr_array_add (names, g_build_filename (*in, name, NULL));
          g_dir_close (d);
          if (names->len == 0)
            {
              g_printerr ("wsclosed report: %s: no captures in this directory\n", *in);
              problems++;
              continue;
            }
          g_ptr_array_sort (names, natural_cmp);
          for (guint i = 0; i < names->len; i++)
            g_ptr_array_add (caps, g_strdup (g_ptr_array_index (names, i)));
          continue;
        }
      bool ok;
      bool json = looks_like_jsonl (*in, &ok);
      if (!ok)
        {
          g_printerr ("wsclosed report: %s: %s\n", *in, g_strerror (errno));
          problems++;
          continue;
        }
      g_ptr_array_add (json ? jsonl : caps, g_strdup (*in));
    }
  return problems;
}
