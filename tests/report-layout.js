/* tests/report-layout.js - injected into a copy of the report page by
 * tests/report-html.sh and run in headless Chromium: measures every label
 * box and writes what does not fit into a pre element, id layout-check (one
 * "FAIL ..." line each, then "checked N").
 *   - SVG chart text inside its chart's viewBox; the time axis' labels (and
 *     the dates under them) apart from each other
 *   - values, table cells, tiles, legend entries: content no wider than the
 *     box (nothing clipped)
 *   - bar labels: fit, or ellipsised with the whole text in title
 *   - no section and not the page wider than the window
 */
(function () {
  var out = [], n = 0;
  function fail(m) { out.push("FAIL " + m); }
  function name(e) { return (e.textContent || "").trim().slice(0, 40); }
  document.querySelectorAll("svg.chart").forEach(function (svg) {
    var vb = svg.viewBox.baseVal;
    svg.querySelectorAll("text").forEach(function (t) {
      var b = t.getBBox();
      n++;
      if (b.x < vb.x - 0.5 || b.y < vb.y - 0.5 || b.x + b.width > vb.x + vb.width + 0.5 ||
          b.y + b.height > vb.y + vb.height + 0.5)
        fail(svg.id + ": text '" + name(t) + "' outside the chart");
    });
    ["text.x", "text.day", "text.y"].forEach(function (sel) {
      var bs = Array.prototype.map.call(svg.querySelectorAll(sel), function (t) {
        return { b: t.getBBox(), t: name(t) };
      });
      for (var i = 0; i < bs.length; i++)
        for (var j = i + 1; j < bs.length; j++) {
          var a = bs[i].b, c = bs[j].b;
          if (a.x < c.x + c.width + 2 && c.x < a.x + a.width + 2 &&
              a.y < c.y + c.height && c.y < a.y + a.height)
            fail(svg.id + ": labels '" + bs[i].t + "' and '" + bs[j].t + "' overlap");
        }
    });
  });
  document.querySelectorAll(".hb .v, td, th, .tile, .tile b, .legend span, h1, h2, summary")
    .forEach(function (e) {
      n++;
      if (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== "inline")
        fail("'" + name(e) + "' is cut (" + e.scrollWidth + " > " + e.clientWidth + " px)");
    });
  document.querySelectorAll(".hb .k").forEach(function (e) {
    n++;
    if (e.scrollWidth > e.clientWidth + 1 &&
        (getComputedStyle(e).textOverflow !== "ellipsis" || e.title !== e.textContent))
      fail("label '" + name(e) + "' is cut without an ellipsis and its whole text");
  });
  document.querySelectorAll(".chart-box, details, .tiles, .grid2, .grid3").forEach(function (e) {
    n++;
    if (e.scrollWidth > e.clientWidth + 1)
      fail("a box ('" + name(e).slice(0, 20) + "') is wider than its place (" + e.scrollWidth +
           " > " + e.clientWidth + " px)");
  });
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    fail("the page is wider than the window (" + document.documentElement.scrollWidth + " > " +
         window.innerWidth + ")");
  var pre = document.createElement("pre");
  pre.id = "layout-check";
  pre.textContent = out.concat(["checked " + n]).join("\n");
  document.body.appendChild(pre);
})();
