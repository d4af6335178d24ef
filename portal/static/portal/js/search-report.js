// Tells the staff's search report (search/report.py) that a result of a submitted search
// was opened: the results page of a submission names its token; this keeps it for the tab
// (sessionStorage, never sent but here) and sends it once, by beacon, when a result of the
// same words is opened, on that page or a later page or filter of it. Nothing else is sent.
(function () {
  "use strict";
  var KEY = "portal.search";
  var results = document.querySelector(".search__results[data-clicked-url]");
  if (!results || !navigator.sendBeacon) return;
  var q = results.getAttribute("data-search-q");
  var token = results.getAttribute("data-search-token");
  function read() {
    try { return JSON.parse(window.sessionStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }
  function write(value) {
    try {
      if (value) window.sessionStorage.setItem(KEY, JSON.stringify(value));
      else window.sessionStorage.removeItem(KEY);
    } catch (e) { /* private mode: clicks go uncounted */ }
  }
  if (token) write({ token: token, q: q });
  results.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".hits .hit__title a");
    var kept = read();
    if (!link || !kept || kept.q !== q) return;
    navigator.sendBeacon(results.getAttribute("data-clicked-url"),
      new URLSearchParams({ token: kept.token }));
    write(null);
  });
})();
