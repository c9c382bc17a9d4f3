/* floor.c - the benchmark's floor: a bare libpcap loop that reads every
 * packet of a capture and touches one byte in every 64 of it (so the data is
 * really brought into the cache, as any analyser must), and nothing else.
 * Whatever wsclosed costs above this is its own.  Prints packets, bytes and
 * a checksum of the touched bytes (so the loop is not optimised away). */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: floor FILE\n");
      return 1;
    }
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline (argv[1], errbuf);
  if (!p)
    {
      fprintf (stderr, "floor: %s\n", errbuf);
      return 2;
    }
  struct pcap_pkthdr *h;
  const u_char *d;
  uint64_t packets = 0, bytes = 0;
  unsigned sum = 0;
  int rc;
  while ((rc = pcap_next_ex (p, &h, &d)) == 1)
    {
      packets++;
      bytes += h->caplen;
      for (uint32_t i = 0; i < h->caplen; i += 64)
        sum += d[i];
      if (h->caplen)
        sum += d[h->caplen - 1];
    }
  if (rc == PCAP_ERROR)
    {
      fprintf (stderr, "floor: %s\n", pcap_geterr (p));
      pcap_close (p);
      return 2;
    }
  printf ("packets %llu\nbytes %llu\nsum %u\n", (unsigned long long) packets,
          (unsigned long long) bytes, sum);
  pcap_close (p);
  return 0;
}
