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
    def __init__(self):
        super().__init__()
        self.cur, self.rects, self.scripts = None, {}, 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and a.get("id"):
            self.cur = a["id"]
            self.rects[self.cur] = 0
        elif tag == "rect" and self.cur:
            h = float(a.get("height", 0)); w = float(a.get("width", 0))
            if h > 0 and w > 0:
                self.rects[self.cur] += 1
        elif tag == "script":
            self.scripts += 1
    def handle_endtag(self, tag):
        if tag == "svg":
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
echo "# screenshot: $png"
tap_end
exit 0
