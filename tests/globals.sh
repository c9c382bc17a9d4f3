#!/bin/bash
# No mutable global outside main.c and daemon.c (issue 16): every object of
# libwsclosed.a (and src/main.o) is read with `nm -f sysv`, and a symbol in
# a writable section (.data, .bss, .tdata, .tbss, .data.rel, .data.rel.local,
# or a common symbol) must be listed in tests/globals.allowed with its
# reason; every listed one must still be there.
#
# nm's letter alone cannot tell: `static const char *const t[]` is 'd' in a
# PIE build as a writable `int x = 1;` is, because its pointers are
# relocated at load time.  It lies in .data.rel.ro*, which the loader makes
# read-only after relocating (RELRO), so the section decides, not the
# letter.  The checker is first shown a made-up object with one global of
# each kind, so that it is known to find them and to pass the const table.
. "${top_srcdir:-.}/tests/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# writable FILE...: "object symbol section", one line per writable symbol;
# a function-local static's numeric suffix (q.0, c.3) is dropped, as the
# compiler numbers them as it likes
writable() {
  nm -f sysv -A "$@" 2>/dev/null | awk -F'|' '
    NF >= 7 {
      n = split($1, a, ":"); obj = a[n - 1]; sym = a[n]
      sub(/^.*\//, "", obj)
      gsub(/ /, "", sym); cls = $3; gsub(/ /, "", cls); sec = $7; gsub(/ /, "", sec)
      # what a sanitizer build adds itself (clang -fsanitize=address:
      # __unnamed_N descriptors in .data) and local labels are not ours
      if (sym ~ /^(__unnamed_|__asan|__ubsan|__sancov|__tsan|\.)/) next
      if (sec ~ /^\.(data|bss|tdata|tbss|data\.rel|data\.rel\.local)(\..*)?$/ && sec !~ /^\.data\.rel\.ro/ \
          || cls == "C") {
        sub(/\.[0-9]+$/, "", sym)
        print obj, sym, sec
      }
    }' | sort -u
}

cc=${CC:-cc}
cat >"$tmp/made.c" <<'C'
int made_global;                                  /* .bss */
static int made_set = 3;                          /* .data once written */
static _Thread_local int made_tls;                /* .tbss */
static const char *const made_table[] = { "a", "b" };  /* .data.rel.ro */
static const int made_const[] = { 1, 2, 3 };      /* .rodata */
void made_put (int v) { made_set = v; made_tls = v; }
int *made_local (void) { static int made_memo; return &made_memo; }
const char *made_pick (int i) { return made_table[i] + made_const[i] + made_set + made_tls; }
C
if $cc -O2 -fPIE -c -o "$tmp/made.o" "$tmp/made.c" 2>"$tmp/cc.err"; then
  writable "$tmp/made.o" | awk '{print $2}' | tr '\n' ' ' >"$tmp/made"
  check "the checker finds a global, a written static, a thread-local and a function-local static (found: $(cat "$tmp/made"))" \
    test "$(cat "$tmp/made")" = "made_global made_memo made_set made_tls "
  check "... and passes a const pointer table (.data.rel.ro) and a const int table" \
    bash -c "nm -f sysv '$tmp/made.o' | grep -q 'made_table.*data\\.rel\\.ro\\|made_table.*rodata'"
else
  not_ok "a small object compiles with $cc ($(head -1 "$tmp/cc.err"))"
fi

lib=$top_builddir/libwsclosed.a
objs=("$lib")
[ -f "$top_builddir/src/main.o" ] && objs+=("$top_builddir/src/main.o")
check "libwsclosed.a is built" test -f "$lib"
writable "${objs[@]}" | awk '{print $1, $2}' | sort -u >"$tmp/found"
check "nm lists symbols of libwsclosed.a" test -s "$tmp/found"
grep -v '^#' "$top_srcdir/tests/globals.allowed" | sed '/^[[:space:]]*$/d' | awk '{print $1, $2}' | sort -u >"$tmp/allowed"
# a whole object may be allowed with "*" (main.o: the option variables)
grep ' \*$' "$tmp/allowed" | awk '{print $1}' >"$tmp/whole"
awk 'NR == FNR { whole[$1]; next } !($1 in whole)' "$tmp/whole" "$tmp/found" >"$tmp/found.f"
grep -v ' \*$' "$tmp/allowed" >"$tmp/allowed.s"
new=$(comm -23 "$tmp/found.f" "$tmp/allowed.s" | tr '\n' ';')
gone=$(comm -13 "$tmp/found.f" "$tmp/allowed.s" | tr '\n' ';')
check "no writable global or static outside tests/globals.allowed${new:+ (new: $new)}" test -z "$new"
check "every allowed one is still there${gone:+ (gone, remove from globals.allowed: $gone)}" test -z "$gone"
tap_end
exit 0
