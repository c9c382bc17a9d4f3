/* pcapng.h - a streaming pcapng reader (draft-ietf-opsawg-pcapng) that,
 * unlike libpcap's, reads files whose interfaces have different link types
 * or snap lengths (as mergecap writes them), and hands on the Decryption
 * Secrets Blocks.  Reads from a stdio stream (a file, a gzip cookie stream,
 * standard input); one block in memory at a time.
 */
#ifndef WS_PCAPNG_H
#define WS_PCAPNG_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define WS_PCAPNG_MAGIC 0x0a0d0d0au   /* the Section Header Block type */

typedef struct ws_pcapng ws_pcapng;

/* A Decryption Secrets Block: secrets_type (0x544c534b "TLSK": an NSS key
 * log) and its bytes, borrowed for the call. */
typedef void (*ws_secrets_fn) (void *user, uint32_t secrets_type, const uint8_t *data,
                               size_t len);

/* Reads from fp, whose first 4 bytes (the SHB type) are already consumed.
 * fp stays the caller's. */
ws_pcapng *ws_pcapng_new (FILE *fp);
void ws_pcapng_free (ws_pcapng *r);
void ws_pcapng_set_secrets_fn (ws_pcapng *r, ws_secrets_fn fn, void *user);

/* Reads up to and including the first Interface Description Block (or the
 * first packet, or the end), so that the first link type is known before
 * any packet is read.  Returns false with errbuf set (not pcapng, truncated,
 * garbled). */
bool ws_pcapng_start (ws_pcapng *r, char *errbuf);
/* The link type of the first interface; -1 when there is none (yet). */
int ws_pcapng_first_linktype (const ws_pcapng *r);
int ws_pcapng_first_snaplen (const ws_pcapng *r);

/* Called for each interface when its description is read (the first one
 * included, from ws_pcapng_start or later): ifindex counts from 0 over
 * the whole file. */
typedef void (*ws_pcapng_iface_fn) (void *user, uint32_t ifindex, int linktype,
                                    uint32_t snaplen);
void ws_pcapng_set_iface_fn (ws_pcapng *r, ws_pcapng_iface_fn fn, void *user);

/* The next packet: 1 with *h, *data (valid until the next call), *linktype
 * and *ifindex set; 0 at the end; -1 with errbuf set (a block cut short or
 * garbled: one line naming the problem). */
int ws_pcapng_next (ws_pcapng *r, struct pcap_pkthdr *h, const uint8_t **data,
                    int *linktype, uint32_t *ifindex, char *errbuf);

#endif
