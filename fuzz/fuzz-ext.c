/* fuzz-ext.c - libFuzzer target for the Sec-WebSocket-Extensions grammar
 * (RFC 6455 section 9.1) and the permessage-deflate response parameters
 * (RFC 7692 section 7.1) in http.c.
 *
 * Input layout: the client's offer, a newline, the server's answer (both
 * header values as they appear after "Sec-WebSocket-Extensions:"; without a
 * newline the whole input is both).  A NUL byte ends a value early, as it
 * would in the g_malloc'd header strings the parser is given.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"
#include "wsext.h"

static void
check_list (const ws_ext_list *l)
{
  if (l->n > WS_EXT_MAX)
    abort ();
  for (size_t i = 0; i < l->n; i++)
    {
      const ws_ext *e = &l->ext[i];
      if (!e->name || e->n_params > WS_EXT_MAX_PARAMS)
        abort ();
      for (size_t j = 0; j < e->n_params; j++)
        if (!e->param_name[j])
          abort ();
      /* ws_ext_find returns the first extension of that name */
      int k = ws_ext_find (l, e->name);
      if (k < 0 || (size_t) k > i)
        abort ();
    }
}

static void
check_pmd (const ws_ext *accepted, const ws_ext_list *offered)
{
  struct ws_pmd_out out;
  (void) ws_pmd_from_response (accepted, offered, &out);
  if (out.server_max_window_bits < 8 || out.server_max_window_bits > 15
      || out.client_max_window_bits < 8 || out.client_max_window_bits > 15)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const uint8_t *nl = memchr (data, '\n', size);
  char *offer = g_strndup ((const char *) data, nl ? (size_t) (nl - data) : size);
  char *answer = nl ? g_strndup ((const char *) nl + 1, size - (size_t) (nl - data) - 1)
                    : g_strdup (offer);

  ws_ext_list offered, accepted;
  ws_ext_parse (offer, &offered);
  ws_ext_parse (answer, &accepted);
  check_list (&offered);
  check_list (&accepted);
  for (size_t i = 0; i < accepted.n; i++)
    {
      check_pmd (&accepted.ext[i], &offered);
      check_pmd (&accepted.ext[i], NULL);
    }
  check_pmd (NULL, &offered);
  (void) ws_http_token_list_has (answer, "permessage-deflate");

  /* parsing is a pure function of the text */
  ws_ext_list again;
  ws_ext_parse (answer, &again);
  if (again.n != accepted.n || again.syntax_error != accepted.syntax_error)
    abort ();
  for (size_t i = 0; i < again.n; i++)
    if (strcmp (again.ext[i].name, accepted.ext[i].name) != 0
        || again.ext[i].n_params != accepted.ext[i].n_params)
      abort ();
  ws_ext_list_clear (&again);

  ws_ext_list_clear (&offered);
  ws_ext_list_clear (&accepted);
  /* a cleared list can be cleared again */
  ws_ext_list_clear (&accepted);
  g_free (offer);
  g_free (answer);
  return 0;
}
