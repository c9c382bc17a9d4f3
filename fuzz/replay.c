/* replay.c - runs a fuzz target without a fuzzing engine: every file named
 * on the command line, and every file under each directory named, is passed
 * once to LLVMFuzzerTestOneInput (as libpcap's testprogs/fuzz/onefile.c
 * does).  `make check` uses it to replay the seed corpora and the inputs that
 * once crashed (fuzz/regressions/); a crash or sanitizer report fails it.
 *
 * Usage: replay-TARGET [-v] FILE|DIR...
 * Prints the number of inputs replayed; exits 1 when a path is unreadable.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

static bool verbose;
static unsigned replayed;

static bool
replay_file (const char *path)
{
  gchar *buf = NULL;
  gsize len = 0;
  GError *error = NULL;
  if (!g_file_get_contents (path, &buf, &len, &error))
    {
      fprintf (stderr, "replay: %s\n", error->message);
      g_error_free (error);
      return false;
    }
  if (verbose)
    fprintf (stderr, "replay: %s (%zu bytes)\n", path, (size_t) len);
  /* a copy of exactly len bytes, so that reading past the input's end is
   * caught by the sanitizers as it would be under libFuzzer */
  uint8_t *copy = g_memdup2 (buf, len);
  LLVMFuzzerTestOneInput (copy, len);
  g_free (copy);
  g_free (buf);
  replayed++;
  return true;
}

static int
by_name (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static bool
replay_path (const char *path)
{
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return replay_file (path);
  GError *error = NULL;
  GDir *d = g_dir_open (path, 0, &error);
  if (!d)
    {
      fprintf (stderr, "replay: %s\n", error->message);
      g_error_free (error);
      return false;
    }
  /* sorted, so that a run is reproducible */
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *n;
  while ((n = g_dir_read_name (d)))
    if (n[0] != '.')
      g_ptr_array_add (names, g_build_filename (path, n, NULL));
  g_dir_close (d);
  g_ptr_array_sort (names, by_name);
  bool ok = true;
  for (guint i = 0; i < names->len; i++)
    ok &= replay_path (g_ptr_array_index (names, i));
  g_ptr_array_unref (names);
  return ok;
}

int
main (int argc, char **argv)
{
  bool ok = true;
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "-v") == 0)
        verbose = true;
      else
        ok &= replay_path (argv[i]);
    }
  printf ("replayed %u inputs\n", replayed);
  return ok ? 0 : 1;
}
