#!/bin/bash
# Messages in the reader's language: every catalog complete and in step with
# the sources, --lang and the environment pick the language, a pseudo
# catalog that brackets every translation finds no English string bare, and
# JSON (a contract) is byte-identical whatever the locale.
. "${top_srcdir:-.}/tests/lib.sh"
: "${WSCLOSED_LOCALEDIR:=$top_builddir/po/locale}"
export WSCLOSED_LOCALEDIR
command -v msgfmt >/dev/null || { echo "1..0 # SKIP gettext missing"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
good="$top_srcdir/pcaps/py-1011.pcap"
langs=$(cat "$top_srcdir/po/LINGUAS")

# the sources' strings, extracted now
(cd "$top_srcdir" && sh po/extract.sh "$tmp/now.pot" 2>/dev/null)
check "xgettext extracts the marked strings" test -s "$tmp/now.pot"
for l in $langs; do
  po="$top_srcdir/po/$l.po"
  stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$po" 2>&1)
  check "$l.po: msgfmt --check passes, 100% translated ($stats)" \
    bash -c "! grep -qE 'untranslated|fuzzy' <<<'$stats'"
  # every string of the sources is in the catalog, translated
  msgmerge -q --no-wrap -o "$tmp/$l.merged.po" "$po" "$tmp/now.pot" 2>/dev/null
  stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$tmp/$l.merged.po" 2>&1)
  check "$l.po is in step with the sources ($stats)" \
    bash -c "! grep -qE 'untranslated|fuzzy' <<<'$stats'"
  check "$l catalog built for the tests" test -f "$WSCLOSED_LOCALEDIR/$l/LC_MESSAGES/wsclosed.mo"
done

# --lang and LANGUAGE choose the language; without them English
LANGUAGE= LC_ALL=C.UTF-8 "$WSCLOSED" --help-all >"$tmp/en" 2>&1
check "English by default" grep -q "Read settings from FILE" "$tmp/en"
LANGUAGE= LC_ALL=C "$WSCLOSED" --lang pt_BR --help-all >"$tmp/pt" 2>&1
check "--lang pt_BR: --help in Portuguese (even under LC_ALL=C)" grep -q "Lê as configurações de ARQUIVO" "$tmp/pt"
LANGUAGE=pt_BR LC_ALL=C.UTF-8 "$WSCLOSED" --help-all >"$tmp/pt2" 2>&1
check "LANGUAGE=pt_BR: --help in Portuguese" cmp -s "$tmp/pt" "$tmp/pt2"
LANGUAGE= LC_ALL=C.UTF-8 "$WSCLOSED" --lang ar --max-conns 0 -r "$good" >/dev/null 2>"$tmp/ar"
check "--lang ar: errors in Arabic" grep -q "يجب ألا يقل عن 1" "$tmp/ar"
if locale -a 2>/dev/null | grep -qi '^pt_BR.utf-\?8$'; then
  LANGUAGE= LC_ALL=pt_BR.UTF-8 "$WSCLOSED" --help-all >"$tmp/pt3" 2>&1
  check "LC_ALL=pt_BR.UTF-8: --help in Portuguese" grep -q "Lê as configurações de ARQUIVO" "$tmp/pt3"
else
  ok "LC_ALL=pt_BR.UTF-8 # SKIP locale pt_BR.UTF-8 not generated"
fi

# pseudo catalog: every translation is the English text in brackets; then no
# marked English string may appear outside brackets
mkdir -p "$tmp/loc/xx/LC_MESSAGES"
LC_ALL=C.UTF-8 msgen --no-wrap "$tmp/now.pot" 2>/dev/null | "$PYTHON" -c '
import re, sys
out = []
for line in sys.stdin.read().split("\n"):
    m = re.match(r"^msgstr \"(.+)\"$", line)
    if m and "%" not in m.group(1):
        line = "msgstr \"\u27e6" + m.group(1) + "\u27e7\""
    out.append(line)
print("\n".join(out).replace("charset=CHARSET", "charset=UTF-8"))' >"$tmp/xx.po"
msgfmt -o "$tmp/loc/xx/LC_MESSAGES/wsclosed.mo" "$tmp/xx.po" 2>/dev/null
WSCLOSED_LOCALEDIR="$tmp/loc" LANGUAGE=xx LC_ALL=C.UTF-8 "$WSCLOSED" --help-all >"$tmp/xx.out" 2>&1
# and every --explain page of the knowledge bases, with a comparison
kb=$(sed -nE 's/^  \{ [0-9]+, "([^"]+)".*/\1/p' "$top_srcdir/src/closecodes.c"
     sed -nE 's/^  \{ "([a-z_]+)",.*/\1/p' "$top_srcdir/src/causeinfo.c")
for k in $kb "1010 1011" "403 1006 idle_timeout 4001"; do
  # shellcheck disable=SC2086
  WSCLOSED_LOCALEDIR="$tmp/loc" LANGUAGE=xx LC_ALL=C.UTF-8 "$WSCLOSED" --explain $k >"$tmp/xx.ex" 2>&1
  cat "$tmp/xx.ex" >>"$tmp/xx.out"
  WSCLOSED_LOCALEDIR="$tmp/loc" LANGUAGE=xx LC_ALL=C.UTF-8 "$WSCLOSED" --lang xx --explain $k -F json >>"$tmp/xx.out" 2>&1
done
"$PYTHON" - "$tmp/now.pot" "$tmp/xx.out" >"$tmp/bare" <<'PY'
import re, sys
pot = open(sys.argv[1], encoding="utf-8").read()
out = open(sys.argv[2], encoding="utf-8").read()
ids = []
for m in re.finditer(r'\nmsgid ((?:"(?:[^"\\]|\\.)*"\n)+)', pot):
    s = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
    s = bytes(s, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
    if len(s) > 12 and "%" not in s and "\n" not in s:
        ids.append(s)
inside = "".join(re.findall(r"\u27e6(.*?)\u27e7", out, re.S))
bare = re.sub(r"\u27e6.*?\u27e7", "", out, flags=re.S)
for s in ids:
    if s in bare:
        print(s)
print("bracketed:", out.count("\u27e6"), file=sys.stderr)
PY
check "pseudo catalog: no marked string bare in --help-all and --explain ($(echo "$kb" | wc -l) pages)$( [ -s "$tmp/bare" ] && echo ": $(head -3 "$tmp/bare" | tr '\n' '|')")" \
  test ! -s "$tmp/bare" -a "$(grep -o '⟦' "$tmp/xx.out" | wc -l)" -ge 500

# JSON is a contract: the same bytes in every language unless --lang
LANGUAGE= LC_ALL=C "$WSCLOSED" -r "$good" -F json >"$tmp/c.json" 2>&1
for l in $langs; do
  LANGUAGE=$l LC_ALL=C.UTF-8 "$WSCLOSED" -r "$good" -F json >"$tmp/$l.json" 2>&1
  check "JSON under LANGUAGE=$l is byte-identical to LC_ALL=C" cmp -s "$tmp/c.json" "$tmp/$l.json"
done
tap_end
exit 0
