#!/bin/bash
# Bad input: each problem gives one line naming the file and the problem, a
# non-zero exit, and the records of the other inputs are still written.
. "${top_srcdir:-.}/tests/lib.sh"
good="$top_srcdir/pcaps/py-normal-1000.pcap"
[ -f "$good" ] || { echo "1..0 # SKIP $good missing"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

records() { grep -c '^{' "$1" || true; }
want_records=$("$WSCLOSED" -r "$good" -F json | grep -c '^{')
check "good capture gives records" test "$want_records" -ge 1

# expect_error NAME FILE PATTERN: exit 2, one stderr line naming FILE and matching PATTERN,
# and the good capture read alongside still gives its records.
expect_error() {
  local name=$1 file=$2 pattern=$3 rc lines
  "$WSCLOSED" -r "$file" -r "$good" -F json >"$tmp/out" 2>"$tmp/err"
  rc=$?
  lines=$(wc -l <"$tmp/err")
  if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && grep -qF -- "$file" "$tmp/err" \
     && grep -qiE -- "$pattern" "$tmp/err" && [ "$(records "$tmp/out")" -eq "$want_records" ]; then
    ok "$name"
  else
    not_ok "$name"
    echo "# exit $rc, stderr: $(head -3 "$tmp/err")"
    echo "# records $(records "$tmp/out") (want $want_records)"
  fi
}

expect_error "missing file" "$tmp/does-not-exist.pcap" "no such file"
printf 'this is not a capture\n' >"$tmp/text.pcap"
expect_error "not a capture" "$tmp/text.pcap" "not a capture"
: >"$tmp/empty.pcap"
expect_error "empty file" "$tmp/empty.pcap" "not a capture|empty|truncated"
expect_error "directory" "$tmp" "directory"
# classic pcap header with link type 147 (USER0), no packets
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\223\000\000\000' >"$tmp/user0.pcap"
expect_error "unknown link type" "$tmp/user0.pcap" "link type 147"
# the same as pcapng (read by pcapng.c): section header, one interface of USER0
shb='\012\015\015\012\034\000\000\000\115\074\053\032\001\000\000\000\377\377\377\377\377\377\377\377\034\000\000\000'
printf "$shb"'\001\000\000\000\024\000\000\000\223\000\000\000\377\377\000\000\024\000\000\000' >"$tmp/user0.pcapng"
expect_error "unknown link type (pcapng)" "$tmp/user0.pcapng" "link type 147"
# an Ethernet interface, then a block whose length is not a multiple of 4
printf "$shb"'\001\000\000\000\024\000\000\000\001\000\000\000\377\377\000\000\024\000\000\000\006\000\000\000\015\000\000\000' >"$tmp/garbled.pcapng"
expect_error "garbled pcapng block" "$tmp/garbled.pcapng" "garbled pcapng block at byte 48"
chmod 000 "$tmp/text.pcap"
if [ "$(id -u)" -ne 0 ]; then
  expect_error "unreadable file" "$tmp/text.pcap" "permission denied"
elif command -v setpriv >/dev/null \
     && setpriv --reuid=65534 --regid=65534 --clear-groups "$WSCLOSED" --version >/dev/null 2>&1 \
     && setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$good"; then
  # root reads any file: run this one as nobody, who may enter $tmp but not read the file
  chmod 711 "$tmp"
  WSCLOSED_ROOT=$WSCLOSED
  printf '#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups "%s" "$@"\n' \
    "$WSCLOSED_ROOT" >"$tmp/as-nobody"
  chmod 755 "$tmp/as-nobody"
  WSCLOSED=$tmp/as-nobody
  expect_error "unreadable file (as nobody)" "$tmp/text.pcap" "permission denied"
  WSCLOSED=$WSCLOSED_ROOT
  chmod 700 "$tmp"
else
  ok "unreadable file # SKIP running as root and nobody cannot run $WSCLOSED"
fi

# truncated: cut in the middle of the last packet; every record is still produced
size=$(stat -c %s "$good")
head -c $((size - 7)) "$good" >"$tmp/trunc.pcap"
"$WSCLOSED" -r "$tmp/trunc.pcap" -F json >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "trunc.pcap: truncated" "$tmp/err" \
   && [ "$(records "$tmp/out")" -eq "$want_records" ]; then
  ok "truncated capture"
else
  not_ok "truncated capture"; echo "# exit $rc: $(cat "$tmp/err")"
fi

# compressed and standard input give the same records (but for the file
# they name: source_file)
nofile() { jq -c 'del(.source_file)'; }
"$WSCLOSED" -r "$good" -F json 2>/dev/null | nofile >"$tmp/plain"
gzip -c "$good" >"$tmp/good.pcap.gz"
"$WSCLOSED" -r "$tmp/good.pcap.gz" -F json 2>/dev/null | nofile >"$tmp/gz"
check "gzip capture read without unpacking" cmp -s "$tmp/plain" "$tmp/gz"
"$WSCLOSED" -r - -F json <"$good" 2>/dev/null | nofile >"$tmp/stdin"
check "capture on standard input" cmp -s "$tmp/plain" "$tmp/stdin"
"$WSCLOSED" -r - -F json <"$tmp/good.pcap.gz" 2>/dev/null | nofile >"$tmp/stdin-gz"
check "gzip capture on standard input" cmp -s "$tmp/plain" "$tmp/stdin-gz"

# filters
"$WSCLOSED" -r "$good" -F json -f 'tcp port 1' >"$tmp/out" 2>&1
check "filter that matches nothing gives no records" test "$(records "$tmp/out")" -eq 0
"$WSCLOSED" -r "$good" -F json 'not' 'tcp' >/dev/null 2>"$tmp/err"
rc=$?
check "trailing filter expression is used" test "$rc" -eq 0
"$WSCLOSED" -r "$good" -f 'tcp port' >/dev/null 2>"$tmp/err"
rc=$?
check "bad filter is a usage error" test "$rc" -eq 1 -a "$(wc -l <"$tmp/err")" -eq 1

# usage and output errors
"$WSCLOSED" >/dev/null 2>&1
check "no input is a usage error" test $? -eq 1
"$WSCLOSED" --no-such-option >/dev/null 2>&1
check "unknown option is a usage error" test $? -eq 1
"$WSCLOSED" --help >"$tmp/help" 2>&1
check "--help lists -r" grep -q -- "--read" "$tmp/help"
"$WSCLOSED" -r "$good" -o "$tmp/no/such/dir/out.txt" >/dev/null 2>"$tmp/err"
check "unwritable output is exit 3" test $? -eq 3
if [ -w /dev/full ]; then
  "$WSCLOSED" -r "$good" -o /dev/full >/dev/null 2>"$tmp/err"
  check "disk full is exit 3" test $? -eq 3
fi
"$WSCLOSED" -r "$good" -F xml >/dev/null 2>&1
check "unknown format is a usage error" test $? -eq 1
tap_end
