#!/bin/bash
# tests/globals.sh - no mutable global outside main.c and daemon.c (issue 16):
# settings and counters travel as values (ws_settings, ws_ctx).  Every object
# of libwsclosed.a is listed with objdump; a symbol of a writable section
# (.data, .bss, and the thread-local .tdata/.tbss) fails the test unless
# tests/globals.allowed names it, object and symbol, with the reason.  Tables
# of pointers that are const land in .data.rel.ro (read-only after
# relocation) and are not counted, nor what a sanitizer build adds
# (__asan*, __ubsan*, __odr_asan*).
srcdir=${srcdir:-.}
. "$srcdir/tests/lib.sh"
lib=${WSCLOSED_LIB:-libwsclosed.a}
allowed="$srcdir/tests/globals.allowed"
command -v objdump >/dev/null || { echo "1..0 # SKIP objdump not installed"; exit 0; }
[ -f "$lib" ] || { echo "1..0 # SKIP $lib not built"; exit 0; }

# object symbol, one a line, for every object-typed symbol in a writable section
found=$(objdump -t "$lib" | awk '
  /^[^ ]+\.o:/ { obj = $1; sub(/:$/, "", obj); next }
  /^[0-9a-f]+ / {
    flags = substr($0, index($0, " ") + 1, 7)   # objdump: seven flag columns
    rest = substr($0, index($0, " ") + 9)
    split(rest, f, /[ \t]+/)
    sec = f[1]
    # objects of .data/.bss ("O"), and anything thread-local (no "O" there)
    if ((sec ~ /^\.(data|bss)/ && sec !~ /rel\.ro/ && flags ~ /O/) ||
        (sec ~ /^\.t(data|bss)/ && flags !~ /d/))
      print obj, $NF
  }' | grep -v ' [_.][_.]*\(asan\|ubsan\|odr\|L\)' | sort -u)
allow=$(grep -v '^#' "$allowed" | awk 'NF >= 2 { print $1, $2 }' | sort -u)

echo "1..3"
n=$(printf '%s\n' "$found" | grep -c .)
[ "$n" -gt 0 ] && ok "objdump lists writable symbols of $lib ($n)" || not_ok "objdump found no writable symbol at all: the listing is not read right"

# ok when the list is empty, else not ok with the entries under it
empty_or_list() {
  if [ -z "$1" ]; then ok "$2"; else not_ok "$3"; printf '%s\n' "$1" | sed 's/^/#   /'; fi
}
empty_or_list "$(comm -23 <(printf '%s\n' "$found") <(printf '%s\n' "$allow"))" \
  "no mutable global outside the allowed list" "mutable globals not in tests/globals.allowed:"
# the list stays true: an entry whose symbol is gone is removed
empty_or_list "$(comm -13 <(printf '%s\n' "$found") <(printf '%s\n' "$allow"))" \
  "every allowed entry still exists" "allowed entries that no longer exist (remove them):"
