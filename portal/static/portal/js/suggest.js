// Suggestions under the search box while a reader types: a WAI-ARIA 1.2 combobox with a
// listbox popup (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/), filled from
// /api/search/suggest/ in the page's language. Arrow keys move through the options, Enter
// takes one, Escape closes the list. Without this script the form works as before.
(function () {
  "use strict";
  var DELAY = 150; // ms after the last key before asking
  var MIN = 2; // characters before asking

  function setup(input) {
    var field = input.parentNode;
    var id = input.id + "-suggestions";
    var list = document.createElement("ul");
    var status = document.createElement("span");
    var options = [], active = -1, timer = null, controller = null, asked = "";

    list.id = id;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.getAttribute("data-suggest-label"));
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    field.classList.add("search__field--suggest");
    field.appendChild(list);
    field.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);
    input.setAttribute("autocomplete", "off");

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      options.forEach(function (option, i) {
        option.element.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index < 0) {
        input.removeAttribute("aria-activedescendant");
      } else {
        input.setAttribute("aria-activedescendant", options[index].element.id);
        options[index].element.scrollIntoView({ block: "nearest" });
      }
    }

    function choose(index) {
      var item = options[index].item;
      close();
      if (item.kind === "query") {
        input.value = item.label;
        if (input.form.requestSubmit) input.form.requestSubmit(); else input.form.submit();
      } else {
        window.location.assign(item.url);
      }
    }

    function show(items) {
      list.textContent = "";
      options = items.map(function (item, i) {
        var element = document.createElement("li");
        element.id = id + "-" + i;
        element.setAttribute("role", "option");
        element.setAttribute("aria-selected", "false");
        element.className = "suggestions__option";
        element.textContent = item.label;
        var kind = input.getAttribute("data-suggest-" + item.kind);
        if (kind) {
          var note = document.createElement("span");
          note.className = "suggestions__kind";
          note.textContent = " · " + kind;
          element.appendChild(note);
        }
        element.addEventListener("mousedown", function (event) { event.preventDefault(); });
        element.addEventListener("click", function () { choose(i); });
        list.appendChild(element);
        return { item: item, element: element };
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      var count = input.getAttribute("data-suggest-count").replace("{count}", String(items.length));
      status.textContent = items.length ? count : "";
      list.hidden = !items.length;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
    }

    function ask() {
      var text = input.value;
      if (text.trim().length < MIN) { asked = text; close(); status.textContent = ""; return; }
      if (text === asked) return;
      asked = text;
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      var url = input.getAttribute("data-suggest") + "?" + new URLSearchParams({
        q: text, lang: document.documentElement.lang || ""
      }).toString();
      fetch(url, { headers: { Accept: "application/json" }, signal: controller && controller.signal })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) { if (input.value === text) show(data.suggestions || []); })
        .catch(function () { /* offline or aborted: the form still works */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DELAY);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && options.length;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) { if (options.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); highlight(0); } return; }
        highlight(active + 1 >= options.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp") {
        if (!open) return;
        event.preventDefault();
        highlight(active <= 0 ? options.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (open && active >= 0) { event.preventDefault(); choose(active); }
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", close);
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest]"), setup);
})();
