#!/bin/bash
# Messages in the reader's language: every catalog complete and in step with
# the sources, --lang and the environment pick the language, a pseudo
# catalog that brackets every translation finds no English string bare, and
# JSON (a contract) is byte-identical whatever the locale.
. "${top_srcdir:-.}/tests/lib.sh"
: "${WSCLOSED_LOCALEDIR:=$top_builddir/po/locale}"
export WSCLOSED_LOCALEDIR
# sentences are matched whole: a wide terminal so the text writer does not
# wrap them (tests/width.sh checks the wrapping)
export COLUMNS=1000
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
  check "$l.po: msgfmt --check passes" msgfmt --check -o /dev/null "$po"
  check "$l.po: 100% translated ($stats)" bash -c "! grep -qE 'untranslated|fuzzy' <<<'$stats'"
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
LANGUAGE=pt_BR LC_ALL=C.UTF-8 "$WSCLOSED" report --help >"$tmp/rpt" 2>&1
check "LANGUAGE=pt_BR: wsclosed report --help in Portuguese" grep -q "Guarda o histórico neste arquivo SQLite" "$tmp/rpt"
LANGUAGE=ar LC_ALL=C.UTF-8 "$WSCLOSED" report >"$tmp/rar" 2>&1
check "LANGUAGE=ar: wsclosed report's usage error in Arabic" grep -q "لا شيء للقراءة" "$tmp/rar"
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
lines = sys.stdin.read().split("\n")
out, i, header = [], 0, True
while i < len(lines):
    m = re.match(r"^(msgstr(?:\[\d+\])?) \"(.*)\"$", lines[i])
    if not m:
        out.append(lines[i]); i += 1
        continue
    # one translation, joined from its lines ("\n" splits them)
    s, i = m.group(2), i + 1
    while i < len(lines) and lines[i].startswith("\""):
        s += lines[i][1:-1]; i += 1
    # every translation bracketed but the header, formats too (their
    # conversions kept), inside a leading and trailing "\n" (msgfmt checks)
    b = re.match(r"^((?:\\n)*)(.+?)((?:\\n)*)$", s)
    if not header and b:
        s = b.group(1) + "\u27e6" + b.group(2) + "\u27e7" + b.group(3)
    header = False
    out.append(m.group(1) + " \"" + s + "\"")
print("\n".join(out).replace("charset=CHARSET", "charset=UTF-8"))' >"$tmp/xx.po"
check "pseudo catalog compiles" msgfmt --check-format -o "$tmp/loc/xx/LC_MESSAGES/wsclosed.mo" "$tmp/xx.po"
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
# and the text output of every capture of pcaps/, with its evidence: the
# diagnosis' sentences (summaries, fixes, evidence) are translated too
for f in "$top_srcdir"/pcaps/*.pcap "$top_srcdir"/pcaps/*/*.pcap; do
  [ -f "$f" ] || continue
  WSCLOSED_LOCALEDIR="$tmp/loc" LANGUAGE=xx LC_ALL=C.UTF-8 "$WSCLOSED" -v -r "$f" >>"$tmp/xx.out" 2>&1
  npcap=$((${npcap:-0} + 1))
done
# --summary and the report's text summary (with a history: its comparison)
set --
for f in "$top_srcdir"/pcaps/*.pcap; do set -- "$@" -r "$f"; done
WSCLOSED_LOCALEDIR="$tmp/loc" LANGUAGE=xx LC_ALL=C.UTF-8 "$WSCLOSED" --summary "$@" >>"$tmp/xx.out" 2>&1
# the report command's --help and its usage error
WSCLOSED_LOCALEDIR="$tmp/loc" LANGUAGE=xx LC_ALL=C.UTF-8 "$WSCLOSED" report --help >>"$tmp/xx.out" 2>&1
WSCLOSED_LOCALEDIR="$tmp/loc" LANGUAGE=xx LC_ALL=C.UTF-8 "$WSCLOSED" report >>"$tmp/xx.out" 2>&1
for run in 1 2; do
  WSCLOSED_LOCALEDIR="$tmp/loc" LANGUAGE=xx LC_ALL=C.UTF-8 "$WSCLOSED" report --db "$tmp/xx.db" \
    --label "run$run" "$top_srcdir"/pcaps/*.pcap >>"$tmp/xx.out" 2>&1
done
"$PYTHON" - "$tmp/now.pot" "$tmp/xx.out" >"$tmp/bare" <<'PY'
import re, sys
pot = open(sys.argv[1], encoding="utf-8").read()
out = open(sys.argv[2], encoding="utf-8").read()
ids = set()
for m in re.finditer(r'\nmsgid ((?:"(?:[^"\\]|\\.)*"\n)+)', pot):
    s = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
    s = bytes(s, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
    # a format: each run of words between its conversions
    for part in re.split(r"%(?:<PRI[a-zA-Z0-9]+>|[-+ #0-9.]*(?:hh|h|ll|l|z|j|t)?[a-zA-Z%])", s):
        if len(part) > 12 and "\n" not in part and re.search(r"[a-z]{3} [a-z]{2}", part):
            ids.add(part)
# translations nest (a translated word inside a translated sentence): take
# the innermost brackets out until none is left
# wire values are quoted ("a close reason"): they are the peer's words,
# whatever a msgid holds (a close reason may be a code's very name)
bare = re.sub(r'"[^"\u27e6\u27e7\n]*"', '""', out)
while True:
    n = re.sub(r"\u27e6[^\u27e6\u27e7]*\u27e7", "", bare)
    if n == bare:
        break
    bare = n
for s in sorted(ids):
    if s in bare:
        print(s)
print("bracketed:", out.count("\u27e6"), file=sys.stderr)
PY
cp "$tmp/bare" /tmp/lang/bare 2>/dev/null
check "pseudo catalog: no marked string bare in --help-all, --explain ($(echo "$kb" | wc -l) pages), the text output of $npcap captures, --summary and the report's summary$( [ -s "$tmp/bare" ] && echo ": $(head -3 "$tmp/bare" | tr '\n' '|')")" \
  test ! -s "$tmp/bare" -a "$(grep -o '⟦' "$tmp/xx.out" | wc -l)" -ge 500

# JSON is a contract: the same bytes in every language unless --lang
LANGUAGE= LC_ALL=C "$WSCLOSED" -r "$good" -F json >"$tmp/c.json" 2>&1
for l in $langs; do
  LANGUAGE=$l LC_ALL=C.UTF-8 "$WSCLOSED" -r "$good" -F json >"$tmp/$l.json" 2>&1
  check "JSON under LANGUAGE=$l is byte-identical to LC_ALL=C" cmp -s "$tmp/c.json" "$tmp/$l.json"
done
# whole locales too (numbers, messages), for every capture of pcaps/
for loc in pt_BR.UTF-8 ar_EG.UTF-8; do
  if ! locale -a 2>/dev/null | grep -qix "$(echo "$loc" | sed 's/UTF-8/utf8/')"; then
    ok "JSON under LC_ALL=$loc # SKIP locale not generated"
    continue
  fi
  diffs=0
  for f in "$top_srcdir"/pcaps/*.pcap; do
    LANGUAGE= LC_ALL=C "$WSCLOSED" -r "$f" -F json >"$tmp/c1.json" 2>&1
    LANGUAGE= LC_ALL=$loc "$WSCLOSED" -r "$f" -F json >"$tmp/l1.json" 2>&1
    cmp -s "$tmp/c1.json" "$tmp/l1.json" || diffs=$((diffs + 1))
    LANGUAGE= LC_ALL=C "$WSCLOSED" -r "$f" -F csv >"$tmp/c1.csv" 2>&1
    LANGUAGE= LC_ALL=$loc "$WSCLOSED" -r "$f" -F csv >"$tmp/l1.csv" 2>&1
    cmp -s "$tmp/c1.csv" "$tmp/l1.csv" || diffs=$((diffs + 1))
  done
  check "JSON and CSV of every capture byte-identical under LC_ALL=$loc and LC_ALL=C ($diffs differ)" test "$diffs" = 0
done

# the diagnosis in the reader's language: py-1009's server limit (its
# reason-less 1009 and the bracket 512 bytes .. 4000 bytes, measured by the
# capture's maker), with the decimal mark of the locale in the text only
big="$top_srcdir/pcaps/py-1009.pcap"
LANGUAGE=pt_BR LC_ALL=C.UTF-8 "$WSCLOSED" --lang pt_BR -v -r "$big" >"$tmp/pt.txt" 2>&1
check "pt_BR: the 1009 summary in Portuguese" grep -q "O servidor fechou com 1009 Message Too Big depois de uma mensagem de 4000 bytes" "$tmp/pt.txt"
check "pt_BR: evidence in Portuguese" grep -q "em direção ao servidor: maior aceita (mensagem) 512 bytes" "$tmp/pt.txt"
if locale -a 2>/dev/null | grep -qix 'pt_BR.utf8'; then
  LANGUAGE= LC_ALL=pt_BR.UTF-8 "$WSCLOSED" -v -r "$big" >"$tmp/pt2.txt" 2>&1
  check "LC_ALL=pt_BR.UTF-8: decimal comma in the text (3,9 KiB)" grep -q "4000 bytes (3,9 KiB)" "$tmp/pt2.txt"
  LANGUAGE= LC_ALL=pt_BR.UTF-8 "$WSCLOSED" -r "$big" -F json >"$tmp/pt2.json" 2>&1
  check "LC_ALL=pt_BR.UTF-8: JSON keeps its numbers and English" bash -c "! grep -q '3,9\|servidor' '$tmp/pt2.json'"
else
  ok "LC_ALL=pt_BR.UTF-8 decimal comma # SKIP locale pt_BR.UTF-8 not generated"
  ok "LC_ALL=pt_BR.UTF-8 JSON # SKIP locale pt_BR.UTF-8 not generated"
fi
LANGUAGE= LC_ALL=C.UTF-8 "$WSCLOSED" --lang ar -v -r "$big" >"$tmp/ar.txt" 2>&1
check "ar: the 1009 summary in Arabic" grep -q "أغلق .*الخادم.* بالرمز 1009 Message Too Big" "$tmp/ar.txt"
# quoted values isolated (U+2068 .. U+2069) in the Arabic text, balanced on
# every line; none in English or Portuguese
fsi=$(printf '\342\201\250'); pdi=$(printf '\342\201\251')
"$PYTHON" - "$tmp/ar.txt" >"$tmp/ar.iso" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
iso = sum(l.count("\u2068") for l in lines)
bad = [l for l in lines if l.count("\u2068") + l.count("\u2066") != l.count("\u2069")]
print(iso, len(bad))
PY
read -r niso nbad <"$tmp/ar.iso"
check "ar: wire values and numbers isolated in the sentences ($niso isolates, $nbad unbalanced lines)" \
  test "$niso" -ge 10 -a "$nbad" = 0
# the table in the reader's language, as a terminal shows it: the titles
# translated, the columns where their titles are (in display cells: an
# Arabic letter one, harakat and isolates none, a wide character two), the
# wire cells isolated in Arabic only, no row wider than the terminal
cat >"$tmp/cols.py" <<'PY'
import sys, unicodedata
path, lang, width = sys.argv[1], sys.argv[2], int(sys.argv[3])
titles = {"ar": ["الإغلاق", "المضيف/المسار"], "pt_BR": ["FECHAMENTO", "HOST/PATH"]}[lang]
def cells(s):
    n = 0
    for ch in s:
        if unicodedata.category(ch) in ("Cf", "Mn", "Me"):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return n
lines = open(path, encoding="utf-8").read().split("\n")
head = [i for i, l in enumerate(lines) if all(t in l for t in titles)]
if not head:
    sys.exit("no header with %s" % titles)
h = lines[head[0]]
code_col, where_col = cells(h[:h.index(titles[0])]), cells(h[:h.index(titles[1])])
rows = [l for l in lines[head[0] + 1:] if len(l) > 13 and l[2] == ":" and l[12] == " "]
bad = []
for r in rows:
    # the close code and HOST/PATH cells start under their titles
    cols = r.split()
    code = [c for c in cols if c.isdigit() and len(c) == 4]
    if not code:
        bad.append("no close code: " + r); continue
    at = r.index(" " + code[0] + " ") + 1
    where = at + len(code[0])
    while where < len(r) and r[where] == " ":
        where += 1
    if cells(r[:at]) != code_col:
        bad.append("CLOSE at %d, not %d: %s" % (cells(r[:at]), code_col, r))
    if cells(r[:where]) != where_col:
        bad.append("HOST/PATH at %d, not %d: %s" % (cells(r[:where]), where_col, r))
    if cells(r) > width:
        bad.append("wider than %d: %s" % (width, r))
    if lang == "ar" and (r.count("\u2068") < 2 or r.count("\u2068") != r.count("\u2069")):
        bad.append("not isolated: " + r)
    if lang != "ar" and ("\u2068" in r or "\u2069" in r):
        bad.append("isolates in %s: %s" % (lang, r))
print("ok %d rows" % len(rows) if rows and not bad else "bad %d rows: %s" % (len(rows), " | ".join(bad[:2])))
PY
arloc=$(locale -a 2>/dev/null | grep -m1 -iE '^ar(_[A-Z]+)?\.utf-?8$')
ptloc=$(locale -a 2>/dev/null | grep -m1 -ix 'pt_BR.utf-\?8')
set -- -r "$top_srcdir/pcaps/py-1011.pcap" -r "$top_srcdir/pcaps/nginx-idle-5s.pcap" \
       -r "$top_srcdir/pcaps/py-1009.pcap" -r "$top_srcdir/pcaps/chromium-close-1000.pcap"
for l in ar pt_BR; do
  if [ "$l" = ar ]; then loc=$arloc; else loc=$ptloc; fi
  for w in 80 120; do
    if [ -n "$loc" ]; then
      LANGUAGE= LC_ALL=$loc COLUMNS=$w "$WSCLOSED" "$@" >"$tmp/tab.$l.$w" 2>&1
      how="LC_ALL=$loc"
    else
      LANGUAGE= LC_ALL=C.UTF-8 COLUMNS=$w "$WSCLOSED" --lang "$l" "$@" >"$tmp/tab.$l.$w" 2>&1
      how="--lang $l (no $l locale generated)"
    fi
    "$PYTHON" "$tmp/cols.py" "$tmp/tab.$l.$w" "$l" "$w" >"$tmp/tab.$l.$w.res" 2>&1
    check "$how COLUMNS=$w: table titles translated, CLOSE and HOST/PATH under their titles in display cells$([ $l = ar ] && echo ', wire cells isolated') ($(cat "$tmp/tab.$l.$w.res"))" \
      grep -q '^ok' "$tmp/tab.$l.$w.res"
  done
done
# with the evidence, sentences wrap at 80 columns: an isolate cut by the
# wrap is closed at the end of the line and opened again on the next
if [ -n "$arloc" ]; then
  LANGUAGE= LC_ALL=$arloc COLUMNS=80 "$WSCLOSED" -v "$@" >"$tmp/ar80v" 2>&1
  "$PYTHON" - "$tmp/ar80v" >"$tmp/ar80v.iso" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
print(sum(l.count("\u2068") for l in lines), len([l for l in lines if l.count("\u2068") != l.count("\u2069")]))
PY
  read -r n b <"$tmp/ar80v.iso"
  check "LC_ALL=$arloc COLUMNS=80 -v: every line's isolates balanced where sentences wrap ($n isolates, $b unbalanced lines)" \
    test "$n" -ge 20 -a "$b" = 0
fi

# --summary in Arabic: its sentence translated, the server and the path of
# each group isolated, every line balanced
LANGUAGE= LC_ALL=C.UTF-8 COLUMNS=80 "$WSCLOSED" --lang ar --summary "$@" >"$tmp/sum.ar" 2>&1
check "--summary --lang ar: translated, servers and paths isolated, every line balanced" "$PYTHON" -c '
import sys
ls = open(sys.argv[1], encoding="utf-8").read().split("\n")
rows = [l for l in ls if "\u2068127.0.0.1:" in l]
ok = ls[0].startswith("الملخص:") and len(rows) >= 3 and all(l.count("\u2068") == l.count("\u2069") for l in ls)
sys.exit(0 if ok else 1)' "$tmp/sum.ar"

# every fix of every capture whole in Portuguese and Arabic: a sentence
# formatted into a buffer sized for English is cut (an Arabic one takes about
# twice the bytes): each fix ends with its full stop, and no escaped byte
# (a character cut in two) shows outside the quoted wire values
for l in pt_BR ar; do
  for f in "$top_srcdir"/pcaps/*.pcap "$top_srcdir"/pcaps/*/*.pcap; do
    LANGUAGE= LC_ALL=C.UTF-8 COLUMNS=1000 "$WSCLOSED" --lang "$l" --tls -v -r "$f" 2>&1
  done >"$tmp/whole.$l"
done
check "every fix whole in pt_BR and ar (each ends with its full stop, no cut character)" "$PYTHON" -c '
import re, sys
bad, n = [], 0
for path, label in ((sys.argv[1], "    correção: "), (sys.argv[2], "    الإصلاح: ")):
    for l in open(path, encoding="utf-8").read().split("\n"):
        if l.startswith(label):
            n += 1
            if not l.endswith("."):
                bad.append(l[-80:])
        if "\\x" in re.sub(r"\"[^\"]*\"", "", l):
            bad.append(l[:80])
print("#", n, "fixes;", " | ".join(bad[:2]))
sys.exit(0 if n >= 100 and not bad else 1)' "$tmp/whole.pt_BR" "$tmp/whole.ar"

# counts grouped and the decimal mark as the locale writes them, in the text
# only: the capture's size in bytes from capinfos
if [ -n "$ptloc" ] && command -v capinfos >/dev/null; then
  cap="$top_srcdir/pcaps/py-1009.pcap"
  bytes=$(LC_ALL=C capinfos -M -d "$cap" | sed -n 's/^Data size: *\([0-9]*\) bytes.*/\1/p')
  grouped=$(LC_ALL=$ptloc printf "%'d" "$bytes")
  LANGUAGE= LC_ALL=$ptloc "$WSCLOSED" -r "$cap" >"$tmp/ptnum" 2>&1
  check "LC_ALL=$ptloc: the capture's $bytes bytes grouped in the totals ($grouped)" \
    grep -qF "($grouped bytes)" "$tmp/ptnum"
  LANGUAGE= LC_ALL=C "$WSCLOSED" -r "$cap" >"$tmp/cnum" 2>&1
  check "LC_ALL=C: the same count not grouped" grep -qF "($bytes bytes)" "$tmp/cnum"
fi

# wsclosed report: the text summary in the reader's language (labels,
# sentences, the fix of the stored English records), none of its English
# labels left; the Arabic one with its wire values isolated
for f in "$top_srcdir"/pcaps/*.pcap; do
  LANGUAGE= LC_ALL=C "$WSCLOSED" -r "$f" -F json >>"$tmp/all.jsonl" 2>/dev/null
done
LANGUAGE= LC_ALL=C.UTF-8 "$WSCLOSED" report "$tmp/all.jsonl" >"$tmp/rep.en" 2>&1
english="By close code:|By cause:|Servers by abnormal closes:|Connections that matter most:|abnormal of|     fix: |abnormal closes:|WebSocket connections"
check "report: the English summary has its labels (the check's own words)" \
  test "$(grep -cE "$english" "$tmp/rep.en")" -ge 8
for l in pt_BR ar; do
  LANGUAGE= LC_ALL=C.UTF-8 "$WSCLOSED" report --lang "$l" "$tmp/all.jsonl" >"$tmp/rep.$l" 2>&1
  check "report --lang $l: no English label or fix left in the text summary" \
    bash -c "! grep -E '$english' '$tmp/rep.$l'"
done
check "report --lang pt_BR: its summary in Portuguese" \
  grep -q "^Por código de fechamento:" "$tmp/rep.pt_BR"
check "report --lang ar: its summary in Arabic" grep -q "^الاتصالات الأهم:" "$tmp/rep.ar"
# py-1011's record keeps the knowledge base's fix for server_internal_error:
# its Arabic is the catalog's
LANGUAGE= LC_ALL=C "$WSCLOSED" -r "$top_srcdir/pcaps/py-1011.pcap" -F json >"$tmp/1011.jsonl" 2>&1
LANGUAGE= LC_ALL=C.UTF-8 "$WSCLOSED" report --lang ar "$tmp/1011.jsonl" >"$tmp/rep1011.ar" 2>&1
jq -r '.cause.fix' "$tmp/1011.jsonl" >"$tmp/1011.fix"
msggrep --no-wrap -K -F -f "$tmp/1011.fix" "$top_srcdir/po/ar.po" >"$tmp/1011.po" 2>/dev/null
check "report --lang ar: the fix of a stored English record from the catalog" "$PYTHON" -c '
import re, sys
fix = open(sys.argv[1], encoding="utf-8").read().strip()
po = open(sys.argv[2], encoding="utf-8").read()
m = re.search(r"^msgstr \"(.+)\"$", po, re.M)
ar = m and bytes(m.group(1), "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
rep = open(sys.argv[3], encoding="utf-8").read()
print("#", (ar or "no translation")[:60])
sys.exit(0 if ar and ar in rep and fix not in rep else 1)' "$tmp/1011.fix" "$tmp/1011.po" "$tmp/rep1011.ar"
check "report --lang ar: wire values isolated, every line balanced" \
  "$PYTHON" -c '
import sys
ls = open(sys.argv[1], encoding="utf-8").read().split("\n")
sys.exit(0 if sum(l.count("\u2068") for l in ls) >= 10 and all(l.count("\u2068") == l.count("\u2069") for l in ls) else 1)' "$tmp/rep.ar"
# the HTML page from stored (English) JSON Lines in Arabic: py-1011's cause
# shown with the knowledge base's meaning and fix of server_internal_error
# in the catalog's Arabic, not the stored English sentences
LANGUAGE= LC_ALL=C.UTF-8 "$WSCLOSED" report --lang ar --html "$tmp/1011.ar.html" "$tmp/1011.jsonl" >/dev/null 2>&1
LANGUAGE= LC_ALL=C "$WSCLOSED" --explain "$(jq -r .cause.id "$tmp/1011.jsonl")" -F json >"$tmp/1011.kb.json" 2>&1
jq -r '.items[0].meaning' "$tmp/1011.kb.json" >"$tmp/1011.meaning"
msggrep --no-wrap -K -F -f "$tmp/1011.meaning" "$top_srcdir/po/ar.po" >"$tmp/1011.m.po" 2>/dev/null
jq -r '.cause.summary' "$tmp/1011.jsonl" >"$tmp/1011.summary"
check "report --lang ar --html from JSON Lines: the cause's summary and fix in Arabic (catalog), not the stored English" "$PYTHON" -c '
import html, re, sys
def tr(po):
    m = re.search(r"^msgstr \"(.+)\"$", open(po, encoding="utf-8").read(), re.M)
    return m and bytes(m.group(1), "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
page = html.unescape(open(sys.argv[1], encoding="utf-8").read())
meaning, fix = tr(sys.argv[2]), tr(sys.argv[3])
en = [open(f, encoding="utf-8").read().strip() for f in sys.argv[4:6]]
print("#", (meaning or "no meaning")[:50], "|", (fix or "no fix")[:50])
sys.exit(0 if meaning and fix and meaning in page and fix in page and not any(e in page for e in en) else 1)' \
  "$tmp/1011.ar.html" "$tmp/1011.m.po" "$tmp/1011.po" "$tmp/1011.summary" "$tmp/1011.fix"
LANGUAGE= LC_ALL=C.UTF-8 "$WSCLOSED" report -F json "$tmp/all.jsonl" >"$tmp/rep.c.json" 2>&1
for loc in $arloc $ptloc; do
  LANGUAGE= LC_ALL=$loc "$WSCLOSED" report -F json "$tmp/all.jsonl" >"$tmp/rep.l.json" 2>&1
  check "report -F json under LC_ALL=$loc byte-identical to C" cmp -s "$tmp/rep.c.json" "$tmp/rep.l.json"
done
check "pt_BR: no isolates" bash -c "! grep -q '$fsi' '$tmp/pt.txt'"
tap_end
exit 0
