/* causeinfo.h - the knowledge base behind cause ids: what each `cause.id`
 * of a record means, which wire facts lead wsclosed to it, what to check
 * first, and how to fix it.  `wsclosed --explain idle_timeout` shows it; the
 * ids themselves are a contract (README, "Causes"). */
#ifndef WS_CAUSEINFO_H
#define WS_CAUSEINFO_H

#include <glib.h>

typedef struct {
  const char *id;         /* cause.id as records carry it */
  const char *title;      /* a few words */
  const char *meaning;    /* what happened to the connection */
  const char *evidence;   /* the wire facts that lead to this cause */
  const char *check;      /* what to look at first */
  const char *fix;        /* how to make it stop */
  const char *codes;      /* close codes or statuses usually seen with it, or NULL */
} ws_cause_info;

/* The entry for id, or NULL. */
const ws_cause_info *ws_cause_info_lookup (const char *id);
/* All entries, in the order of the README's list; *n set to their number. */
const ws_cause_info *ws_cause_info_all (size_t *n);
/* The text --explain prints for a cause id, or NULL when id is not one. */
char *ws_cause_info_explain (const char *id);

#endif
