/* midstream.h - recognising a connection whose start was not seen. */
#ifndef WS_MIDSTREAM_H
#define WS_MIDSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* First payload of a connection (stage WS_STAGE_PROBE): decide what it is.
 * Returns false when the stage changed and the bytes are for the new stage
 * (*side may have been swapped), true when they were taken (held, or
 * ignored). */
bool ws_midstream_probe (ws_conn *c, ws_side *side, const uint8_t *data, size_t len,
                         int64_t ts_us);
/* The capture lost n bytes of side while bytes are held. */
void ws_midstream_gap (ws_conn *c, ws_side side, uint64_t n, int64_t ts_us);
/* The connection ended while deciding: decide with what is held. */
void ws_midstream_end (ws_conn *c);
/* Frames from now on, from an unknown boundary in both directions. */
void ws_midstream_start (ws_conn *c);
/* Let go of the held bytes (c->probe). */
void ws_midstream_free (ws_conn *c);

#endif
