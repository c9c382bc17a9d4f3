# Shared helpers for the shell tests (TAP output).
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${WSCLOSED:=$top_builddir/src/wsclosed}"
PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=/usr/bin/python3
tap_n=0
tap_fail=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_fail=$((tap_fail + 1)); echo "not ok $tap_n - $*"; }
check() {  # check NAME COMMAND...: ok when the command succeeds
  local name=$1; shift
  if "$@"; then ok "$name"; else not_ok "$name"; fi
}
# check_todo REASON NAME COMMAND...: a known gap, reported as an expected
# failure (TAP TODO) while it fails, and as a plain pass once it is fixed
check_todo() {
  local why=$1 name=$2; shift 2
  if "$@"; then ok "$name"; else not_ok "$name # TODO $why"; fi
}
tap_end() { echo "1..$tap_n"; }
