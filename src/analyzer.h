/* analyzer.h - the pipeline's spine: packets in, records out.
 *
 * Decodes each packet, runs the TCP layer, and when a connection ends keeps
 * its record for a short hold (capture time) so that cross-connection rules
 * (reconnects, close storms) can see what came next; then diagnoses it and
 * hands it to the writer.  Memory is bounded by the connections open at once
 * plus those ended within the hold.
 */
#ifndef WS_ANALYZER_H
#define WS_ANALYZER_H

#include <pcap/pcap.h>

#include "conn.h"
#include "output.h"

typedef struct ws_analyzer ws_analyzer;

typedef struct {
  int64_t hold_us;     /* keep ended records this long (capture time) */
  int64_t window_us;   /* keep briefs of ended connections this long */
  int64_t idle_us;     /* end a silent connection after this; 0 never */
  int64_t linger_us;   /* after both FINs */
} ws_analyzer_opts;

void ws_analyzer_opts_init (ws_analyzer_opts *o);

/* s and w are borrowed: s read-only (settings.h), it may be shared by
 * several analyzers and must outlive this one; w may be NULL when a record
 * callback is set.  The analyzer owns its counters and scratch (context.h),
 * nothing global: analyzers may run in threads of their own. */
ws_analyzer *ws_analyzer_new (const ws_analyzer_opts *o, const ws_settings *s,
                              ws_writer *w);
/* Hand each diagnosed record (with its evidence) to fn instead of the
 * writer; c is borrowed for the call; false counts as a write error. */
typedef bool (*ws_analyzer_record_fn) (const ws_conn *c, void *user);
void ws_analyzer_set_record_fn (ws_analyzer *a, ws_analyzer_record_fn fn, void *user);
void ws_analyzer_free (ws_analyzer *a);

void ws_analyzer_packet (ws_analyzer *a, int linktype, const struct pcap_pkthdr *h,
                         const uint8_t *data);
/* Offline: the file and frame number of the next packet (capture.h's
 * ws_capture_origin), kept on the records. */
void ws_analyzer_set_origin (ws_analyzer *a, const char *file, uint64_t frame);
/* The capture time of the latest packet (0 before the first). */
int64_t ws_analyzer_now (const ws_analyzer *a);
/* Timers against a clock (daemon: wall clock when no packets arrive). */
void ws_analyzer_tick (ws_analyzer *a, int64_t now_us);
/* End of input: every connection still open is written (still open). */
void ws_analyzer_finish (ws_analyzer *a);

size_t ws_analyzer_tracked (const ws_analyzer *a);  /* connections in the table */
size_t ws_analyzer_held (const ws_analyzer *a);     /* ended, not yet written */
uint64_t ws_analyzer_write_errors (const ws_analyzer *a);
/* What this analyzer counted (for the totals: ws_writer_finish). */
const ws_counters *ws_analyzer_counters (const ws_analyzer *a);

#endif
