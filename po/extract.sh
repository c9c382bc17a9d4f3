#!/bin/sh
# po/extract.sh OUT.pot [xgettext options...] - extract the messages of the
# sources listed in po/POTFILES (run from the top source directory).  Used by
# `make update-po` and by tests/i18n.sh, so both see the same strings.
#
# The diagnosis writes its sentences as English literals passed to macros
# (src/diag-internal.h) and translates them at run time (src/cause.c).
# xgettext takes one message argument per keyword, so a second pass extracts
# the summary format of set_cause (argument 6; the first pass took its fix,
# argument 5) and joins it into the same catalog.  GLib's G_GUINT64_FORMAT
# and G_GINT64_FORMAT are read as PRIu64 and PRId64 (the same on every glibc
# target), which xgettext and gettext know as system-dependent segments.
set -e
out=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
while read -r f; do
  mkdir -p "$tmp/$(dirname "$f")"
  sed -e 's/\bG_GUINT64_FORMAT\b/PRIu64/g' -e 's/\bG_GINT64_FORMAT\b/PRId64/g' "$f" >"$tmp/$f"
done <po/POTFILES
cp po/POTFILES "$tmp/POTFILES"
cd "$tmp"
common="--from-code=UTF-8 --add-comments=TRANSLATORS: --no-wrap --sort-by-file"
xgettext $common "$@" --keyword=_ --keyword=N_ --keyword=ws_ngettext:1,2 \
  --keyword=C_:1c,2 --keyword=NC_:1c,2 --keyword=ws_tr --keyword=TR_LIT:2 \
  --keyword=set_cause:5 --keyword=set_cause_fields:5 --keyword=EV:3 \
  --keyword=ws_cause_add_evidence:3 --keyword=add_extra:2 --keyword=ws_cause_clause:2 \
  -o "$out" --files-from=POTFILES
xgettext $common "$@" --keyword= --keyword=set_cause:6 --keyword=ws_cause_set:7 \
  -j -o "$out" --files-from=POTFILES
