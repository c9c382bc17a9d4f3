/* test-context.c - the analyzer's context (src/context.h): counters that
 * add up, and analyzers that share nothing but their read-only settings,
 * so that N of them can run in N threads (issue 18's --workers) and each
 * writes what it would alone. */
#include "config.h"

#include <string.h>

#include "analyzer.h"
#include "capture.h"
#include "context.h"
#include "output-json.h"

/* Every counter of a sum is the sum of the counters, the TLS servers
 * merged by key. */
static void
test_counters_add (void)
{
  ws_counters a = { 0 }, b = { 0 }, sum = { 0 };
  uint64_t *pa = (uint64_t *) &a, *pb = (uint64_t *) &b;
  size_t n = offsetof (ws_counters, inflaters) / sizeof (uint64_t);
  g_assert_cmpuint (n, >, 30);
  for (size_t i = 0; i < n; i++)
    {
      pa[i] = i + 1;
      pb[i] = 1000 * (i + 1);
    }
  a.inflaters.live = 2;
  b.inflaters.live = 3;
  b.tls_servers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  guint64 *one = g_new (guint64, 1), *two = g_new (guint64, 1);
  *one = 4;
  *two = 5;
  g_hash_table_insert (b.tls_servers, g_strdup ("x.test\t192.0.2.1:443"), one);
  g_hash_table_insert (b.tls_servers, g_strdup ("\t192.0.2.2:443"), two);
  ws_counters_add (&sum, &a);
  ws_counters_add (&sum, &b);
  ws_counters_add (&sum, &b);
  g_assert_cmpuint (sum.packets, ==, a.packets + 2 * b.packets);
  g_assert_cmpuint (sum.unsupported_link_packets, ==,
                    a.unsupported_link_packets + 2 * b.unsupported_link_packets);
  const uint64_t *ps = (const uint64_t *) &sum;
  for (size_t i = 0; i < n; i++)
    g_assert_cmpuint (ps[i], ==, 2001 * (i + 1));
  g_assert_cmpuint (sum.inflaters.live, ==, 8);
  g_assert_cmpuint (g_hash_table_size (sum.tls_servers), ==, 2);
  g_assert_cmpuint (*(guint64 *) g_hash_table_lookup (sum.tls_servers, "x.test\t192.0.2.1:443"),
                    ==, 8);
  g_assert_cmpuint (*(guint64 *) g_hash_table_lookup (sum.tls_servers, "\t192.0.2.2:443"), ==, 10);
  ws_counters_clear (&sum);
  ws_counters_clear (&b);
  g_assert_null (sum.tls_servers);
}

/* One analyzer over the test captures: its records as JSON lines and its
 * counters. */
typedef struct {
  const ws_settings *set;
  char **files;
  ws_capture *cap;
  ws_analyzer *a;
  GString *json;
  ws_counters st;
  int errors;
} job;

static bool
on_record (const ws_conn *c, void *user)
{
  job *j = user;
  ws_json_record (j->json, c);
  g_string_append_c (j->json, '\n');
  return true;
}

static void
on_packet (void *user, int linktype, const struct pcap_pkthdr *h, const uint8_t *data)
{
  job *j = user;
  ws_analyzer_packet_from (j->a, j->cap, linktype, h, data);
}

static gpointer
run_job (gpointer user)
{
  job *j = user;
  int n_errors = 0;
  g_autoptr (GError) e = NULL;
  j->cap = ws_capture_open_files (j->files, NULL, &n_errors, &e);
  g_assert_no_error (e);
  ws_analyzer_opts ao;
  ws_analyzer_opts_init (&ao);
  j->a = ws_analyzer_new (&ao, j->set, NULL);
  ws_analyzer_set_record_fn (j->a, on_record, j);
  j->json = g_string_new (NULL);
  j->errors = ws_capture_run (j->cap, on_packet, j);  /* truncated.pcap: 1 */
  ws_analyzer_finish (j->a);
  j->st = *ws_analyzer_counters (j->a);
  j->st.tls_servers = NULL;     /* the analyzer's, freed with it */
  j->st.inflaters.whole = NULL; /* the same (pmd.h) */
  ws_analyzer_free (j->a);
  ws_capture_free (j->cap);
  return NULL;
}

/* The captures of pcaps/ and tests/data/ (.pcap with expected records), sorted. */
static char **
test_files (void)
{
  GPtrArray *files = g_ptr_array_new ();
  const char *dirs[] = { "../pcaps", "data" };
  for (size_t d = 0; d < G_N_ELEMENTS (dirs); d++)
    {
      g_autofree char *dir = g_test_build_filename (G_TEST_DIST, dirs[d], NULL);
      g_autoptr (GDir) gd = g_dir_open (dir, 0, NULL);
      g_assert_nonnull (gd);
      const char *name;
      while ((name = g_dir_read_name (gd)))
        if (g_str_has_suffix (name, ".pcap"))
          {
            /* those with their expected records: whole captures */
            g_autofree char *stem = g_strndup (name, strlen (name) - 5);
            g_autofree char *exp = g_strdup_printf ("%s/%s.expected.jsonl", dir, stem);
            if (g_file_test (exp, G_FILE_TEST_EXISTS))
              g_ptr_array_add (files, g_build_filename (dir, name, NULL));
          }
    }
  g_ptr_array_sort (files, (GCompareFunc) g_strcmp0);
  g_assert_cmpuint (files->len, >=, 20);
  g_ptr_array_add (files, NULL);
  return (char **) g_ptr_array_free (files, FALSE);
}

/* Four analyzers on one settings value in four threads at once write,
 * record for record and counter for counter, what one writes alone. */
static void
test_threads_alone (void)
{
  ws_settings set;
  ws_settings_init (&set);
  g_auto (GStrv) files = test_files ();
  job alone = { .set = &set, .files = files };
  run_job (&alone);
  g_assert_cmpuint (alone.st.ws_connections, >, 20);
  g_assert_cmpuint (alone.json->len, >, 0);

  job jobs[4];
  GThread *th[4];
  for (int i = 0; i < 4; i++)
    {
      jobs[i] = (job) { .set = &set, .files = files };
      th[i] = g_thread_new ("analyzer", run_job, &jobs[i]);
    }
  for (int i = 0; i < 4; i++)
    {
      g_thread_join (th[i]);
      g_assert_cmpint (jobs[i].errors, ==, alone.errors);
      g_assert_cmpstr (jobs[i].json->str, ==, alone.json->str);
      g_assert_true (memcmp (&jobs[i].st, &alone.st, sizeof alone.st) == 0);
      g_string_free (jobs[i].json, TRUE);
    }
  g_string_free (alone.json, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/context/counters/add", test_counters_add);
  g_test_add_func ("/context/analyzers/threads", test_threads_alone);
  return g_test_run ();
}
