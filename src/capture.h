/* capture.h - where packets come from: saved captures (pcap, pcapng, either
 * gzip-compressed, or standard input) read together in timestamp order, or a
 * live interface.  Problems are reported as one line naming the file.
 */
#ifndef WS_CAPTURE_H
#define WS_CAPTURE_H

#include <glib.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdbool.h>

#include "pcapng.h"

typedef struct ws_capture ws_capture;

#define WS_CAPTURE_ERROR (ws_capture_error_quark ())
GQuark ws_capture_error_quark (void);
typedef enum {
  WS_CAPTURE_ERROR_FILTER,      /* the BPF expression does not compile */
  WS_CAPTURE_ERROR_OPEN,        /* interface cannot be opened */
  WS_CAPTURE_ERROR_LINKTYPE,    /* link type we cannot decode */
  WS_CAPTURE_ERROR_READ,        /* reading failed (interface gone) */
} ws_capture_error;

typedef void (*ws_packet_fn) (void *user, int linktype, const struct pcap_pkthdr *h,
                              const uint8_t *data);

/* Open saved captures ("-" is standard input).  A file that cannot be
 * opened, is not a capture, or has a link type we cannot decode is reported
 * on stderr ("wsclosed: FILE: problem") and counted in *n_errors; the others
 * are still read.  In a pcapng file, an interface of a link type we cannot
 * decode is reported (and counted) once; the file's other interfaces are
 * read, and that interface's packets are handed on to be counted.  A filter that does not compile is a usage error: NULL is
 * returned with error set. */
ws_capture *ws_capture_open_files (char **files, const char *filter, int *n_errors,
                                   GError **error);

/* Open one saved capture to follow (--follow): a regular file is read on
 * at its end as it grows, like `tail -f` (a pipe or FIFO streams anyway).
 * At the end of what is written, reading waits for the writer, looking
 * again every 100 ms, with the idle function called about once a second;
 * a record cut short at the end is waited for, not called truncated.  The
 * file is read until *stop becomes true (the caller's signal handler sets
 * it; then ws_capture_run returns, a record cut short by the stop is
 * dropped without a message), or until the file becomes shorter than what
 * was read (truncated or rewritten: reported, counted as a read error).
 * The descriptor is followed, not the name: after a rename the renamed
 * file is read on, a new file of the same name is not opened.  Errors as
 * for ws_capture_open_files. */
ws_capture *ws_capture_open_follow (const char *file, const char *filter,
                                    volatile sig_atomic_t *stop, int *n_errors, GError **error);

/* A capture with a streaming source (standard input, a pipe or FIFO):
 * reading ends when *stop becomes true (the caller's signal handler sets
 * it), as with ws_capture_open_follow; the records still held are then
 * the caller's to write. */
void ws_capture_set_stop (ws_capture *cap, volatile sig_atomic_t *stop);

/* Decryption secrets found in the files (pcapng Decryption Secrets Blocks,
 * e.g. as `editcap --inject-secrets tls,KEYLOG` writes them) go to fn with
 * their type (0x544c534b "TLSK": NSS key log lines) as they are read, those
 * read while opening the files first. */
void ws_capture_set_secrets_fn (ws_capture *cap, ws_secrets_fn fn, void *user);

/* Live capture on an interface ("any" works). */
typedef struct {
  const char *iface;
  const char *filter;
  int snaplen;          /* 0: 262144 */
  int buffer_kib;       /* 0: libpcap default */
  bool immediate;
  int timeout_ms;       /* how often run_live returns to the caller */
} ws_live_opts;

ws_capture *ws_capture_open_live (const ws_live_opts *o, GError **error);

/* Offline: read every packet of every source in timestamp order, calling fn.
 * Returns the number of sources that ended with a read error (truncated
 * file, ...), each reported on stderr. */
int ws_capture_run (ws_capture *cap, ws_packet_fn fn, void *user);

/* Live: read what is there (waits up to timeout_ms).  Returns packets read,
 * or -1 with error set when the capture failed (interface gone). */
int ws_capture_dispatch (ws_capture *cap, ws_packet_fn fn, void *user, GError **error);
/* Stop a running ws_capture_run / dispatch from a signal handler. */
void ws_capture_break (ws_capture *cap);
/* Kernel statistics of a live capture. */
bool ws_capture_stats (ws_capture *cap, unsigned *recv, unsigned *drop, unsigned *ifdrop);
int ws_capture_fd (ws_capture *cap);

/* Offline: where the packet being handed to the packet function comes
 * from: the file's name (interned: it lives as long as the program) and
 * its frame number as Wireshark numbers it (from 1, every record of the
 * file counted, those the filter drops included); NULL and 0 live. */
const char *ws_capture_origin (const ws_capture *cap, uint64_t *frame);

/* A pipe (standard input, a FIFO) is read as data comes; while it is
 * silent, fn is called about once a second (when it is the one source). */
typedef void (*ws_idle_fn) (void *user);
void ws_capture_set_idle_fn (ws_capture *cap, ws_idle_fn fn, void *user);
/* The sources that could be opened. */
guint ws_capture_sources (const ws_capture *cap);
/* Whether a source is a pipe (records should go out as they are made). */
bool ws_capture_streaming (const ws_capture *cap);

void ws_capture_free (ws_capture *cap);

#endif
