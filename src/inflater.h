/* inflater.h - raw deflate streams (RFC 1951) for permessage-deflate
 * (RFC 7692), measured, not kept: the output goes to the caller's small
 * buffer, which it reads (UTF-8 check) and reuses.
 *
 * Two back ends behind one interface: zlib, the reference and the default,
 * and ISA-L's igzip where configure found it, picked with
 * WSCLOSED_INFLATER=isal.  ISA-L is 2.5-3.5x zlib on one stream of whole
 * messages, but measured in wsclosed (hundreds of streams interleaved, fed a
 * TCP segment at a time) it was no faster and took more memory (bench/README),
 * so it is not the default.  tests/test-inflater.c checks it against zlib.  Directions
 * whose sender agreed to a window under 32 KiB are inflated with zlib, which
 * names a reach past the window exactly ("invalid distance too far back");
 * ISA-L's other errors are named after its codes, not zlib's words.
 *
 * One ws_rawinf per direction of a compressed connection.  With ISA-L the
 * decoder state (87 KB) is not kept per direction: it is lent from a small
 * pool of the owner (ws_ctx) while a message is being inflated, and the direction keeps
 * only the window its sender may refer back to (2^bits bytes, only with
 * context takeover), set as the dictionary of the next message's stream.  So
 * memory stays proportional to the compressed connections open at once, as
 * with zlib (whose state plus window is 7 KB + 2^bits per direction).
 */
#ifndef WS_INFLATER_H
#define WS_INFLATER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ws_rawinf ws_rawinf;

/* ISA-L decoders lent between directions: one pool per owner (the
 * analyzer's context, ws_ctx's inflater_pool, NULL until needed). */
struct ws_inflater_pool;
void ws_inflater_pool_free (struct ws_inflater_pool *pool);

typedef enum {
  WS_RAWINF_OK = 0,    /* made progress; call again while input or output remain */
  WS_RAWINF_END,       /* a block with BFINAL ended the stream */
  WS_RAWINF_ERROR      /* corrupt stream (*err says how) */
} ws_rawinf_rc;

/* bits: the window the sender agreed to (9..15); takeover: later messages
 * may refer back into earlier ones; pool: where ISA-L decoders are kept (the
 * owner's slot, filled when first needed; NULL: zlib).  NULL if the back end
 * refuses. */
ws_rawinf *ws_rawinf_new (int bits, bool takeover, struct ws_inflater_pool **pool);
void ws_rawinf_free (ws_rawinf *inf);
/* The same with the back end chosen (tests): isal is ignored without ISA-L. */
ws_rawinf *ws_rawinf_new_with (int bits, bool takeover, bool isal,
                               struct ws_inflater_pool **pool);

/* A new stream for the next message: a plain reset without takeover, else
 * the earlier messages' output becomes the dictionary.  false on failure. */
bool ws_rawinf_restart (ws_rawinf *inf);

/* The message ended: an ISA-L decoder goes back to the pool if the stream
 * stands at a block boundary. */
void ws_rawinf_idle (ws_rawinf *inf);

/* Inflate from *in (*in_len bytes) into out[0..*out_len): on return *in and *in_len
 * are what is left and *out_len the bytes written. */
ws_rawinf_rc ws_rawinf_run (ws_rawinf *inf, const uint8_t **in, size_t *in_len,
                               uint8_t *out, size_t *out_len, const char **err);

/* Which back end this process uses ("isa-l" or "zlib"). */
const char *ws_rawinf_backend (void);

#endif
