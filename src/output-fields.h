/* output-fields.h - names and derived values shared by the writers (JSON,
 * CSV, text), so that the formats agree on them.
 */
#ifndef WS_OUTPUT_FIELDS_H
#define WS_OUTPUT_FIELDS_H

#include <stdbool.h>
#include "conn.h"

const char *ws_kind_name (ws_kind k);
const char *ws_stage_name (ws_stage s);           /* NULL when unknown */
const char *ws_handshake_problem_name (int k);    /* NULL when none */

/* The limits a record may have hit (c->limits bits), in the order shown. */
typedef struct {
  unsigned bit;
  const char *name;
} ws_limit_name;
#define WS_N_LIMIT_NAMES 6
extern const ws_limit_name ws_limit_names[WS_N_LIMIT_NAMES];

/* A side index that is safe to use on the record's arrays. */
bool ws_side_valid (ws_side s);
/* The reason of the first close frame (the initiator's), or NULL when there
 * is none or it is empty; its length in *len. */
const char *ws_contract_close_reason (const ws_conn *c, size_t *len);
/* A status other than 101, a bad accept key or a bad negotiation. */
bool ws_handshake_failed (const ws_conn *c);

#endif
