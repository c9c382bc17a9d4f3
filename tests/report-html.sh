#!/bin/bash
# The HTML report: self-contained, strings from the wire escaped (a close
# reason "<script>alert(1)</script>" must come out as text), and in headless
# Chromium: no console errors, every chart present with bars in it, a
# screenshot (tests/report-html.png) and a printable PDF.
. "${top_srcdir:-.}/tests/lib.sh"

REPORT=("$WSCLOSED" report)
ls "$top_srcdir"/pcaps/*.pcap >/dev/null 2>&1 || { echo "1..0 # SKIP no captures in pcaps/"; exit 0; }

export TZ=UTC
T=$(mktemp -d "${TMPDIR:-/tmp}/wsclosed-report-html.XXXXXX")
trap 'rm -rf "$T"' EXIT
mkdir -p "$top_builddir/tests"
html="$top_builddir/tests/report-html.html"
png="$top_builddir/tests/report-html.png"
rm -f "$html" "$png"

# JSON Lines of a few captures (few enough that the hostile record below is
# among "the connections that matter most"), plus one record whose strings
# are hostile
for n in py-normal-1000 ws-1009 py-1011 py-handshake-403 py-1012-restart py-no-close-rst; do
  "$WSCLOSED" -r "$top_srcdir/pcaps/$n.pcap" -F json
done >"$T/night.jsonl" 2>/dev/null
"$PYTHON" - "$T/night.jsonl" >"$T/hostile.jsonl" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
r = next(x for x in recs if x.get("close_code") not in (None, 1000, 1001))
r = dict(r)
r["close_code"] = 4000
r["close_reason"] = "<script>alert(1)</script>"
r["path"] = "/x\"><img src=x onerror=alert(2)>"
r["host"] = "evil.example' onmouseover='alert(3)"
r["cause"] = dict(r.get("cause") or {}, id="application_code", confidence="high",
                  summary="<b>bold</b> & more", fix="</style><script>alert(4)</script>",
                  evidence=[{"ts": None, "text": "<svg onload=alert(5)>"}])
print(json.dumps(r))
EOF
check "made the hostile record" test -s "$T/hostile.jsonl"

"${REPORT[@]}" --html "$html" "$T/night.jsonl" "$T/hostile.jsonl" >"$T/out.txt" 2>"$T/err.txt"
check "report --html exits 0" test $? -eq 0
check "the HTML was written" test -s "$html"
check "the <script> reason is escaped" grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$html"
check "no raw <script> anywhere" sh -c "! grep -qi '<script' '$html'"
check "no raw markup from the wire" sh -c "! grep -Eqi '<img|<svg onload|onmouseover=.alert|<b>bold' '$html'"
check "self-contained: no links, sources or url()" \
  sh -c "! grep -Eqi '(href|src)=\"|url\\(|@import|<link|<iframe' '$html'"
check "printable: @media print" grep -q '@media print' "$html"

CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROME" ]; then
  for n in 1 2 3 4 5; do ok "# SKIP chromium not installed (Debian package chromium)"; done
  tap_end
  exit 0
fi
chrome() {
  timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$(mktemp -d "$T/profile.XXXXXX")" --enable-logging=stderr --v=0 "$@"
}
chrome --screenshot="$png" --window-size=1280,2000 "file://$html" >"$T/shot.log" 2>&1
check "chromium took a screenshot" test -s "$png"
chrome --dump-dom "file://$html" >"$T/dom.html" 2>"$T/dom.log"
check "no console errors" sh -c "! grep -Eq 'Uncaught|ERROR:CONSOLE|CONSOLE\\(' '$T/shot.log' '$T/dom.log'"
charts_ok() {
  "$PYTHON" - "$T/dom.html" <<'EOF'
import sys
from html.parser import HTMLParser
want = ["chart-codes", "chart-causes", "chart-servers", "chart-hosts", "chart-paths",
        "chart-idle", "chart-handshake"]
class P(HTMLParser):
    # SVG charts: <rect>s with an area; HTML bar charts (sections with the
    # id): bars <i style="inline-size:N%"> with N > 0
    def __init__(self):
        super().__init__()
        self.cur, self.depth, self.rects, self.scripts = None, 0, {}, 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id") in want:
            self.cur, self.depth = a["id"], 0
            self.rects[self.cur] = 0
        if self.cur and tag in ("svg", "section"):
            self.depth += 1
        if tag == "rect" and self.cur:
            h = float(a.get("height", 0)); w = float(a.get("width", 0))
            if h > 0 and w > 0:
                self.rects[self.cur] += 1
        elif tag == "i" and self.cur and "inline-size:" in a.get("style", ""):
            if float(a["style"].split("inline-size:")[1].split("%")[0]) > 0:
                self.rects[self.cur] += 1
        elif tag == "script":
            self.scripts += 1
    def handle_endtag(self, tag):
        if self.cur and tag in ("svg", "section"):
            self.depth -= 1
            if self.depth == 0:
                self.cur = None
p = P()
p.feed(open(sys.argv[1]).read())
bad = [w for w in want if p.rects.get(w, 0) == 0]
if bad or p.scripts:
    print("# empty or missing charts: %s; script elements: %d" % (bad, p.scripts))
sys.exit(1 if bad or p.scripts else 0)
EOF
}
check "every chart is in the DOM with bars, no script element" charts_ok
chrome --print-to-pdf="$T/report.pdf" --no-pdf-header-footer "file://$html" >"$T/pdf.log" 2>&1
check "prints to PDF" sh -c "head -c 5 '$T/report.pdf' | grep -q '%PDF'"
check "the escaped reason reads as text in the DOM" grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$T/dom.html"

# ---- the page in three languages, measured at 800 and 1400 px ----------------------
# A fuller night (the small one with its hostile record, plus captures with a
# storm, idle timeouts and a failed handshake) in English, Portuguese and
# Arabic.
full=()
for c in py-close-storm nginx-idle-60s nginx-idle-5s py-1012-restart py-handshake-426; do
  full+=("$top_srcdir/pcaps/$c.pcap")
done
for l in en pt_BR ar; do
  "${REPORT[@]}" --lang "$l" --html "$T/$l.html" "${full[@]}" "$T/night.jsonl" "$T/hostile.jsonl" \
    >/dev/null 2>&1
done
check "English page: lang=en dir=ltr" grep -q '<html lang="en" dir="ltr">' "$T/en.html"
check "Portuguese page: lang=pt-BR dir=ltr" grep -q '<html lang="pt-BR" dir="ltr">' "$T/pt_BR.html"
check "Arabic page: lang=ar dir=rtl" grep -q '<html lang="ar" dir="rtl">' "$T/ar.html"
check "Arabic page is translated (its title)" grep -q '<title>إغلاقات WebSocket' "$T/ar.html"
check "Arabic page counts with Arabic-Indic digits" grep -q '<div class="tile"><b>\(٠\|١\|٢\|٣\|٤\|٥\|٦\|٧\|٨\|٩\)' "$T/ar.html"
check "Portuguese page: '62 of 380' reads 'N de M'" grep -Eq '<span class="v">[0-9.]+ de [0-9.]+</span>' "$T/pt_BR.html"
# wire strings isolated left to right in the right-to-left page: the hostile
# path, Host and reason appear only inside <bdi dir="ltr"> or <code dir="ltr">
# (or an SVG tooltip)
wire_isolated() {
  "$PYTHON" - "$T/ar.html" <<'PYEOF'
import sys
from html.parser import HTMLParser
needles = ["/x\"><img src=x onerror=alert(2)>", "evil.example' onmouseover='alert(3)",
           "<script>alert(1)</script>"]
VOID = {"meta", "line", "br", "img"}
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.bad, self.seen = [], [], 0
    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append((tag, dict(attrs).get("dir")))
    def handle_startendtag(self, tag, attrs):
        pass
    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
    def handle_data(self, d):
        for nd in needles:
            if nd in d:
                self.seen += 1
                if not self.stack or self.stack[-1] not in (("bdi", "ltr"), ("code", "ltr"), ("title", None)):
                    self.bad.append((nd, self.stack[-3:]))
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
for b in p.bad:
    print("# not isolated:", b)
print("# wire strings seen:", p.seen)
sys.exit(1 if p.bad or p.seen < 3 else 0)
PYEOF
}
check "Arabic page: wire strings isolated left to right" wire_isolated

# layout PAGE WIDTH: the label boxes measured in Chromium (tests/report-layout.js)
layout() {
  local page=$1 w=$2 m
  m="$T/measure-$(basename "$1" .html)-$2.html"
  sed 's|</body></html>||' "$page" >"$m"
  { echo "<script>"; cat "$top_srcdir/tests/report-layout.js"; echo "</script></body></html>"; } >>"$m"
  chrome --dump-dom --window-size="$w,3000" --virtual-time-budget=3000 "file://$m" >"$m.dom" 2>/dev/null
  "$PYTHON" - "$m.dom" <<'PYEOF'
import re, sys, html
d = open(sys.argv[1], encoding="utf-8").read()
m = re.findall(r'<pre id="layout-check">(.*?)</pre>', d, re.S)
if not m:
    print("# no layout result"); sys.exit(1)
lines = html.unescape(m[-1]).splitlines()
for l in lines:
    if l.startswith("FAIL"):
        print("#", l)
n = int(lines[-1].split()[-1])
sys.exit(1 if any(l.startswith("FAIL") for l in lines) or n < 20 else 0)
PYEOF
}
# the checker itself finds a cut value and overlapping axis labels
cat >"$T/bad.html" <<'HTMLEOF'
<!DOCTYPE html><html><body><div class="hbars"><div class="hb"><span class="k">x</span><span class="b"></span><span class="v" style="display:block;width:20px;overflow:hidden;white-space:nowrap">62 / 380 and more</span></div></div>
<svg class="chart" id="bad" viewBox="0 0 100 40"><text class="x" x="10" y="20">12:00</text><text class="x" x="14" y="20">12:05</text><text x="90" y="20">far out</text></svg>
<p>padding so that the checker counts enough boxes</p></body></html>
HTMLEOF
layout "$T/bad.html" 800 >"$T/bad.out"
check "the layout check finds a cut value" grep -q "is cut" "$T/bad.out"
check "the layout check finds overlapping labels" grep -q "overlap" "$T/bad.out"
check "the layout check finds text outside its chart" grep -q "outside the chart" "$T/bad.out"
for l in en ar; do
  for w in 800 1400 $( [ $l = en ] && echo 1600); do
    check "$l page at $w px: no label wider than its box, none overlapping" layout "$T/$l.html" "$w"
  done
  chrome --screenshot="$top_builddir/tests/report-html-$l-800.png" --window-size=800,2400 \
    --hide-scrollbars "file://$T/$l.html" >/dev/null 2>&1
done

echo "# screenshot: $png"
tap_end
exit 0
