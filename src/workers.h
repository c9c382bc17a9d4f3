/* workers.h - `wsclosed -i IFACE --workers N`: a live capture spread over
 * N threads with Linux PACKET_FANOUT (Linux only).
 *
 * Each worker has its own capture handle on the interface, joined to one
 * fanout group of type PACKET_FANOUT_HASH (the kernel's symmetric flow
 * hash, so both directions of a connection go to the same worker; IPv4
 * fragments are reassembled by the kernel first, PACKET_FANOUT_FLAG_DEFRAG,
 * so that they follow their flow), and its own analyzer (IP fragments, TCP
 * table, connections).  What the cross-connection window and the writers
 * need (records of ended connections, connections recognised as WebSocket,
 * refused attempts) goes through one bounded queue per worker to the
 * calling thread, which merges the queues in capture-time order and hands
 * everything to its own analyzer: one window, one hold, one writer, so the
 * restart, storm and reconnect rules see every connection of a server.
 */
#ifndef WS_WORKERS_H
#define WS_WORKERS_H

#include <glib.h>

#include "analyzer.h"
#include "capture.h"
#include "counters.h"

#define WS_WORKERS_MAX 64

typedef struct ws_workers ws_workers;

/* Opens the n capture handles (n >= 2) and joins them to a new fanout
 * group; no thread runs yet (the daemon may still fork and drop
 * privileges).  NULL with error set (the messages name the interface). */
ws_workers *ws_workers_open (const ws_live_opts *live, int n, GError **error);

/* Starts the threads, each with an analyzer of these options and settings
 * (borrowed; a worker reads its own copy of the key logs, so that a live
 * key log grows in each without locks). */
void ws_workers_start (ws_workers *wk, const ws_analyzer_opts *aopts,
                       const ws_settings *settings);

/* Waits up to timeout_ms for what the workers handed on, gives it to a in
 * capture-time order and runs a's timers at the time all workers have
 * passed.  Returns false once every worker has stopped. */
bool ws_workers_pump (ws_workers *wk, ws_analyzer *a, int timeout_ms);

/* Tells the workers to end every connection they track (as still open)
 * and stop; gives everything to a.  Call ws_analyzer_finish (a) after. */
void ws_workers_stop (ws_workers *wk, ws_analyzer *a);

/* Sums over the workers, as of their last timer run (at most about 200
 * ms old while they run, exact after ws_workers_stop): the kernel's
 * counts of every handle, the counters, the connections tracked. */
bool ws_workers_kernel_stats (ws_workers *wk, unsigned *recv, unsigned *drop, unsigned *ifdrop);
/* Adds the workers' counters to sum (ws_counters_clear it after). */
void ws_workers_counters (ws_workers *wk, ws_counters *sum);
size_t ws_workers_tracked (ws_workers *wk);
/* What each worker's handle received, for the log: "received 120 + 98". */
char *ws_workers_describe (ws_workers *wk);

/* A message a worker left for the log (its capture failed, or works
 * again), or NULL; g_free it.  *error: the capture failed. */
char *ws_workers_take_message (ws_workers *wk, bool *error);

void ws_workers_free (ws_workers *wk);

#endif
