// Remembers the language a reader picks in the switcher, and on a later visit to a page in
// another language offers (never forces) the version in theirs. No redirect: a shared link
// or a crawler lands where it points.
(function () {
  "use strict";
  var KEY = "portal.language";
  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-language]");
    if (!link) return;
    try { window.localStorage.setItem(KEY, link.getAttribute("data-language")); } catch (e) { /* private mode */ }
  });
  var choice = stored();
  if (!choice || choice === document.documentElement.lang) return;
  var offer = document.querySelector('[data-suggest-language="' + choice + '"]');
  if (offer) offer.hidden = false;
})();
