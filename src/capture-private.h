/* capture-private.h - what the capture files share: the sources and the
 * readers (capture.c opens and merges them; capture-direct.c reads a classic
 * pcap file in blocks; capture-stream.c reads gzip and pipes as a stdio
 * stream; capture-live.c opens an interface).  Not for use outside
 * src/capture*.c.
 */
#ifndef WS_CAPTURE_PRIVATE_H
#define WS_CAPTURE_PRIVATE_H

#include <glib.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "pcapng.h"

/* as in capture.h, which this does not include: capture.c includes this */
typedef struct ws_capture ws_capture;

/* libpcap's largest caplen for the link types we decode */
#define MAX_CAPLEN 262144u
/* read size; a record (16 + MAX_CAPLEN) always fits in a block */
#define BLOCK (1u << 20)

/* A classic pcap file read in blocks. */
typedef struct {
  int fd;                   /* libpcap's stream owns it */
  uint64_t file_off;        /* of the byte after buf[len] */
  uint8_t *buf;
  size_t len, pos;          /* buf[pos..len) not yet handed on */
  bool eof;
  int read_errno;
  uint32_t snaplen;
  bool swapped;             /* written on a host of the other byte order */
  bool nsec;                /* nanosecond timestamps */
  int lengths_swapped;      /* old formats: 2 = always swapped (< 2.3), 1 = maybe (2.3) */
  bool filtered;
  bool plain;               /* none of the four above */
  struct bpf_program prog;
  struct pcap_pkthdr hdr;
  uint64_t frames;          /* records read, filtered out ones included */
} direct;

/* One interface of a pcapng file. */
typedef struct {
  int dlt;
  uint32_t snaplen;
  bool filtered;
  bool skip;                /* its filter does not compile: packets dropped */
  struct bpf_program prog;
} ng_iface;

typedef struct {
  char *name;
  pcap_t *p;                /* NULL for pcapng read by us */
  FILE *fp;                 /* cookie stream over gz, or NULL */
  int dlt;                  /* of the packet in h/data */
  direct *rd;               /* classic pcap read by us, or NULL */
  ws_pcapng *ng;            /* pcapng read by us, or NULL */
  GArray *ng_ifaces;        /* of ng_iface, by the file's interface index */
  char *filter;             /* pcapng: compiled per interface */
  ws_capture *cap;
  struct pcap_pkthdr ng_hdr;
  struct pcap_pkthdr *h;
  const u_char *data;
  bool has;                 /* h/data hold this source's next packet */
  bool done;
  const char *iname;        /* name, interned: records keep it */
  uint64_t frames;          /* records read (libpcap, pcapng), as Wireshark
                             * numbers frames: filtered out ones included */
  uint64_t frame;           /* the number of the packet in h/data */
  bool lp_filtered;         /* files read through libpcap: the filter is */
  struct bpf_program lp_prog; /* run here, so that every record is counted */
  bool streaming;           /* a pipe: read as data comes, idle calls */
  bool follow;              /* a regular file followed at its end */
  bool shrunk;              /* follow: the file became shorter than what was read */
} source;

struct ws_capture {
  GPtrArray *sources;       /* of source* */
  bool live;
  const char *cur_file;     /* of the packet being handed on */
  uint64_t cur_frame;
  void (*idle_fn) (void *user); /* a ws_idle_fn */
  void *idle_user;
  int late_errors;          /* reported while reading pcapng interfaces */
  volatile sig_atomic_t stop;
  volatile sig_atomic_t *stop_flag; /* the caller's, set by its signal handler */
};

/* Whether reading should stop (ws_capture_break, or the caller's flag). */
static inline bool
capture_stopped (const ws_capture *cap)
{
  return cap && (cap->stop || (cap->stop_flag && *cap->stop_flag));
}

/* capture-stream.c */
/* A stream of fd through zlib (uncompressed data passes unchanged); magic
 * gets its first 4 bytes (zeros if it is shorter).  NULL on failure (fd is
 * still the caller's). */
FILE *capture_gz_stream (int fd, uint8_t magic[4]);
/* A stream over the pipe fd (taken unless NULL is returned), read as data
 * comes with the capture's idle calls; magic gets its first 4 bytes, after
 * gzip when it is compressed, *got how many raw bytes there were.  follow:
 * fd is a regular file read on at its end as it grows (tail -f): a read
 * there waits for the writer (a record cut short at the end is waited
 * for, not called truncated) until the capture is stopped, and ends if
 * the file shrinks (s->shrunk set). */
FILE *capture_pipe_stream (int fd, source *s, ws_capture *cap, bool follow, uint8_t magic[4],
                           int *got);

/* capture-direct.c */
/* A reader for a regular file whose first bytes are a classic pcap magic,
 * or NULL (another format, or WSCLOSED_READER=libpcap). */
direct *capture_direct_open (int fd);
/* Takes what libpcap made of the file header; false: let libpcap read. */
bool capture_direct_header (direct *r, pcap_t *p);
/* The next record: 1 (r->hdr and *data set), 0 at the end, -1 with errbuf
 * set. */
int capture_direct_next (direct *r, const u_char **data, char *errbuf);

/* The usual record of a classic pcap file: this host's byte order,
 * microseconds, no filter, whole in the block.  False for any other (left
 * to capture_direct_next's general path). */
static inline bool
capture_direct_take_plain (direct *r, const u_char **data)
{
  size_t left = r->len - r->pos;
  if (!G_LIKELY (r->plain && left >= 16))
    return false;
  const uint8_t *h = r->buf + r->pos;
  uint32_t w[4];
  memcpy (w, h, 16);
  if (!G_LIKELY (w[2] <= MAX_CAPLEN && left - 16 >= w[2]))
    return false;
  r->hdr.ts.tv_sec = (time_t) w[0];
  r->hdr.ts.tv_usec = (suseconds_t) w[1];
  r->hdr.len = w[3];
  r->hdr.caplen = w[2] > r->snaplen ? r->snaplen : w[2];
  *data = h + 16;
  r->pos += 16 + (size_t) w[2];
  r->frames++;
  return true;
}

/* capture_direct_next with its usual record inline; the rest (and
 * refilling the block) in the call. */
static inline int
capture_direct_next_inline (direct *r, const u_char **data, char *errbuf)
{
  if (G_LIKELY (capture_direct_take_plain (r, data)))
    return 1;
  return capture_direct_next (r, data, errbuf);
}
void capture_direct_free (direct *r);

/* capture.c */
void capture_source_free (gpointer v);
/* A libpcap message made one short line. */
const char *capture_friendly (const char *msg);
bool capture_compile_filter (pcap_t *p, const char *filter, struct bpf_program *prog,
                             GError **error);

typedef struct {
  void (*fn) (void *user, int linktype, const struct pcap_pkthdr *h,
              const uint8_t *data); /* a ws_packet_fn */
  void *user;
  int dlt;
  source *s;                /* a file: frames counted, filter run */
} loop_ctx;

/* pcap_loop's callback: hands a packet of lc (a loop_ctx) on. */
void capture_loop_cb (u_char *u, const struct pcap_pkthdr *h, const u_char *data);

#endif
