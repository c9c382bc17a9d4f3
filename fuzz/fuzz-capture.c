/* fuzz-capture.c - libFuzzer target over whole captures: the input is the
 * bytes of a capture file (pcap, pcapng, or either gzip-compressed), read
 * through capture.c exactly as `wsclosed -r FILE` reads it, and every packet
 * goes through the analyzer (decode, TCP reassembly, handshake, frames,
 * diagnosis) to a report writer.
 *
 * The input is written to a memory file (memfd) opened by path, so the real
 * open path (gzip magic check, fopencookie, libpcap) is exercised.  Limits are
 * lowered so that one input can reach them: 16 connections tracked (then
 * eviction), 16 KiB out-of-order per direction, 1 MiB inflated per message.
 * The report format is picked by the input length (size % 3).
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyzer.h"
#include "capture.h"
#include "fuzz.h"
#include "output.h"

static int mem_fd = -1;
static char mem_path[64];
static FILE *devnull;

static void
quiet (const gchar *msg)
{
}

static void
on_packet (void *user, int linktype, const struct pcap_pkthdr *h, const uint8_t *data)
{
  ws_analyzer_packet (user, linktype, h, data);
}

static bool
setup (void)
{
  if (mem_fd >= 0)
    return true;
  if (!g_getenv ("FUZZ_VERBOSE"))
    g_set_printerr_handler (quiet);
  mem_fd = memfd_create ("fuzz-capture", MFD_CLOEXEC);
  if (mem_fd < 0)
    return false;
  g_snprintf (mem_path, sizeof mem_path, "/proc/self/fd/%d", mem_fd);
  devnull = fopen ("/dev/null", "w");
  return devnull != NULL;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (!setup ())
    abort ();
  if (ftruncate (mem_fd, 0) != 0 || pwrite (mem_fd, data, size, 0) != (ssize_t) size)
    abort ();

  ws_settings set;
  ws_settings_init (&set);
  set.limits.inflate = true; /* the inflater is what most needs fuzzing */
  set.limits.max_conns = 16;
  set.limits.max_ooo_bytes_per_conn = 16 * 1024;
  set.limits.max_inflate_bytes = 1024 * 1024;

  char *files[] = { mem_path, NULL };
  int n_errors = 0;
  GError *error = NULL;
  ws_capture *cap = ws_capture_open_files (files, NULL, &n_errors, &error);
  if (!cap)
    abort (); /* only a bad filter makes this fail, and there is none */

  ws_analyzer_opts ao;
  ws_analyzer_opts_init (&ao);
  if (size & 4)
    ao.idle_us = 5 * G_USEC_PER_SEC;
  ws_writer *w = ws_writer_new (devnull, (ws_format) (size % 3), false);
  ws_writer_set_verbose (w, true);
  ws_analyzer *a = ws_analyzer_new (&ao, &set, w);
  ws_capture_run (cap, on_packet, a);
  ws_analyzer_finish (a);
  ws_writer_finish (w, ws_analyzer_counters (a));
  if (ws_analyzer_tracked (a) != 0 || ws_analyzer_held (a) != 0)
    abort (); /* finish writes everything */
  ws_analyzer_free (a);
  ws_writer_free (w);
  ws_capture_free (cap);
  return 0;
}
