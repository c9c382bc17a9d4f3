/* test-ctx.h - the analyzer context (src/context.h) of records a unit test
 * builds by hand: the default settings and counters of its own, one per
 * test program.  A test that needs other settings makes its own ws_ctx. */
#ifndef WS_TEST_CTX_H
#define WS_TEST_CTX_H

#include "context.h"

static inline ws_ctx *
test_ctx (void)
{
  static ws_settings set;
  static ws_ctx ctx;
  if (!ctx.set)
    {
      ws_settings_init (&set);
      ws_ctx_init (&ctx, &set);
    }
  return &ctx;
}

#endif
