/* communityid.h - Community ID flow hashing, version 1 (the string Zeek's
 * conn.log and Suricata's eve.json carry as community_id), so that a record
 * can be joined with their logs.
 */
#ifndef WS_COMMUNITYID_H
#define WS_COMMUNITYID_H

#include <stdint.h>

/* "1:" + 28 base64 characters + NUL */
#define WS_COMMUNITY_ID_LEN 31

/* The Community ID v1 of a flow.  family is 4 or 6; saddr/daddr hold 4 or
 * 16 bytes in network order; ports in host order; proto an IP protocol
 * number (6 for TCP).  Either direction of a flow gives the same id. */
void ws_community_id (uint16_t seed, int family, const uint8_t *saddr, uint16_t sport,
                      const uint8_t *daddr, uint16_t dport, uint8_t proto,
                      char out[WS_COMMUNITY_ID_LEN]);

#endif
