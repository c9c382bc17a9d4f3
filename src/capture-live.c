/* capture-live.c - a live capture on an interface through libpcap,
 * non-blocking (the caller polls its descriptor), with the kernel's
 * statistics.
 */
#include "config.h"

#include "capture.h"
#include "capture-private.h"
#include "decode.h"

static bool
set_filter (pcap_t *p, const char *filter, GError **error)
{
  struct bpf_program prog;
  if (!capture_compile_filter (p, filter, &prog, error))
    return false;
  int rc = pcap_setfilter (p, &prog);
  pcap_freecode (&prog);
  if (rc < 0)
    {
      g_set_error (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_FILTER,
                   "cannot set filter: %s", pcap_geterr (p));
      return false;
    }
  return true;
}

ws_capture *
ws_capture_open_live (const ws_live_opts *o, GError **error)
{
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *p = pcap_create (o->iface, errbuf);
  if (!p)
    {
      g_set_error (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_OPEN, "%s: %s", o->iface, errbuf);
      return NULL;
    }
  pcap_set_snaplen (p, o->snaplen > 0 ? o->snaplen : 262144);
  pcap_set_promisc (p, 0);
  pcap_set_timeout (p, o->timeout_ms > 0 ? o->timeout_ms : 200);
  if (o->buffer_kib > 0)
    pcap_set_buffer_size (p, o->buffer_kib * 1024);
  if (o->immediate)
    pcap_set_immediate_mode (p, 1);
  int rc = pcap_activate (p);
  if (rc < 0)
    {
      g_set_error (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_OPEN, "%s: %s", o->iface,
                   rc == PCAP_ERROR ? pcap_geterr (p) : pcap_statustostr (rc));
      pcap_close (p);
      return NULL;
    }
  if (o->filter && *o->filter && !set_filter (p, o->filter, error))
    {
      pcap_close (p);
      return NULL;
    }
  /* the daemon polls the descriptor and must never block in dispatch */
  if (pcap_setnonblock (p, 1, errbuf) < 0)
    {
      g_set_error (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_OPEN, "%s: %s", o->iface, errbuf);
      pcap_close (p);
      return NULL;
    }
  int dlt = pcap_datalink (p);
  if (!ws_linktype_supported (dlt))
    {
      g_set_error (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_LINKTYPE,
                   "%s: unsupported link type %d", o->iface, dlt);
      pcap_close (p);
      return NULL;
    }
  ws_capture *cap = g_new0 (ws_capture, 1);
  cap->sources = g_ptr_array_new_with_free_func (capture_source_free);
  cap->live = true;
  source *s = g_new0 (source, 1);
  s->name = g_strdup (o->iface);
  s->p = p;
  s->dlt = dlt;
  g_ptr_array_add (cap->sources, s);
  return cap;
}

int
ws_capture_dispatch (ws_capture *cap, ws_packet_fn fn, void *user, GError **error)
{
  source *s = g_ptr_array_index (cap->sources, 0);
  loop_ctx lc = { fn, user, s->dlt, NULL };
  int rc = pcap_dispatch (s->p, -1, capture_loop_cb, (u_char *) &lc);
  if (rc == PCAP_ERROR)
    {
      g_set_error (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_READ, "%s: %s", s->name, pcap_geterr (s->p));
      return -1;
    }
  return rc < 0 ? 0 : rc;
}

bool
ws_capture_stats (ws_capture *cap, unsigned *recv, unsigned *drop, unsigned *ifdrop)
{
  source *s = g_ptr_array_index (cap->sources, 0);
  struct pcap_stat st;
  if (!cap->live || pcap_stats (s->p, &st) < 0)
    return false;
  *recv = st.ps_recv;
  *drop = st.ps_drop;
  *ifdrop = st.ps_ifdrop;
  return true;
}

int
ws_capture_fd (ws_capture *cap)
{
  source *s = g_ptr_array_index (cap->sources, 0);
  return pcap_get_selectable_fd (s->p);
}
