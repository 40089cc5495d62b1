// The Admin Portal's searchable multi-select (adminportal/widgets.py).
//
// The page holds a list of checkboxes that works and submits without this file. This adds, above
// each list: the chosen items as chips (buttons that remove them) and a filter box that hides the
// options not matching what is typed. The checkboxes stay the form's value: nothing here submits.
// Keys: in the filter, Down moves to the first shown option, Enter chooses it (instead of
// submitting the form), Escape empties the filter; in the list, Up and Down move between the shown
// options (Up from the first goes back to the filter) and Space ticks as usual.
// Loaded by form.html (with the page's nonce) under the strict Content-Security-Policy: no inline code, no eval.
// Its words come with the page, in its language: <script type="application/json" id="words-multiselect">
// (templatetags/script_words.py); numbers are written, and plural forms chosen, for <html lang> (Intl).
(function () {
  "use strict";

  var lang = document.documentElement.lang || "en";
  var WORDS = {  // English, for a page that brings none
    "case": "lower", filter: "Filter %(name)s", chips: "Chosen %(name)s", remove: "Remove %(item)s",
    chosen: { one: "%(count)s chosen", other: "%(count)s chosen" },
    all: { one: "%(count)s in all", other: "%(count)s in all" },
    some: "%(shown)s of %(count)s shown", none: "nothing matches", status: "%(chosen)s, %(shown)s."
  };
  var source = document.getElementById("words-multiselect");
  var said = source ? JSON.parse(source.textContent) : WORDS;
  var numbers = new Intl.NumberFormat(lang);
  var plurals = new Intl.PluralRules(lang);

  // A text with its %(name)s placeholders filled; numbers written the page language's way.
  function say(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (whole, key) {
      if (!(key in values)) { return whole; }
      return typeof values[key] === "number" ? numbers.format(values[key]) : String(values[key]);
    });
  }

  // A counted text: the form of the number's plural category in the page's language.
  function counted(forms, count) {
    return say(forms[plurals.select(count)] || forms.other, { count: count });
  }

  function words(text) {
    return text.toLowerCase().split(/\s+/).filter(Boolean);
  }

  function labelOf(box) {
    return box.closest("label").textContent.trim();
  }

  function enhance(list) {
    if (list.hasAttribute("data-enhanced")) { return; }  // a list is enhanced once
    list.setAttribute("data-enhanced", "");
    var fieldset = list.closest("fieldset");
    var legend = fieldset ? fieldset.querySelector("legend") : null;
    var name = legend ? legend.textContent.trim() : "";
    if (said["case"] === "lower") { name = name.toLocaleLowerCase(lang); }
    var boxes = Array.prototype.slice.call(list.querySelectorAll("input[type=checkbox]"));
    var texts = boxes.map(function (box) { return labelOf(box).toLowerCase(); });
    var base = list.id || ("multiselect-" + Math.random().toString(36).slice(2));
    if (!list.id) { list.id = base; }

    var chips = document.createElement("ul");
    chips.className = "multiselect-chips";
    chips.setAttribute("aria-label", say(said.chips, { name: name }));

    var filterLabel = document.createElement("label");
    filterLabel.className = "multiselect-filter-label";
    filterLabel.htmlFor = base + "_filter";
    filterLabel.textContent = say(said.filter, { name: name });

    var filter = document.createElement("input");
    filter.type = "search";
    filter.id = base + "_filter";
    filter.className = "multiselect-filter";
    filter.autocomplete = "off";
    filter.setAttribute("aria-controls", list.id);

    var status = document.createElement("p");
    status.id = base + "_status";
    status.className = "multiselect-status";
    status.setAttribute("aria-live", "polite");
    filter.setAttribute("aria-describedby", status.id);

    list.parentNode.insertBefore(chips, list);
    list.parentNode.insertBefore(filterLabel, list);
    list.parentNode.insertBefore(filter, list);
    list.parentNode.insertBefore(status, list);
    list.classList.add("enhanced");

    function shown() {
      return boxes.filter(function (box) { return !box.closest("label").hidden; });
    }

    function describe() {
      var chosen = boxes.filter(function (box) { return box.checked; }).length;
      var visible = shown().length;
      var seen;
      if (visible === boxes.length) {
        seen = counted(said.all, boxes.length);
      } else if (visible === 0) {
        seen = said.none;
      } else {
        seen = say(said.some, { shown: visible, count: boxes.length });
      }
      status.textContent = say(said.status, { chosen: counted(said.chosen, chosen), shown: seen });
    }

    function drawChips() {
      while (chips.firstChild) { chips.removeChild(chips.firstChild); }
      boxes.forEach(function (box) {
        if (!box.checked) { return; }
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "chip";
        button.setAttribute("aria-label", say(said.remove, { item: labelOf(box) }));
        button.dataset.for = box.id;
        var text = document.createElement("span");
        text.textContent = labelOf(box);
        var cross = document.createElement("span");
        cross.setAttribute("aria-hidden", "true");
        cross.textContent = " ×";
        button.appendChild(text);
        button.appendChild(cross);
        item.appendChild(button);
        chips.appendChild(item);
      });
      chips.hidden = !chips.firstChild;
      describe();
    }

    function applyFilter() {
      var wanted = words(filter.value);
      boxes.forEach(function (box, i) {
        box.closest("label").hidden = !wanted.every(function (w) { return texts[i].indexOf(w) !== -1; });
      });
      describe();
    }

    chips.addEventListener("click", function (event) {
      var button = event.target.closest("button.chip");
      if (!button) { return; }
      var box = document.getElementById(button.dataset.for);
      var all = Array.prototype.slice.call(chips.querySelectorAll("button.chip"));
      var next = all[all.indexOf(button) + 1] || all[all.indexOf(button) - 1];
      box.checked = false;
      box.dispatchEvent(new Event("change", { bubbles: true }));
      var again = next ? chips.querySelector('button.chip[data-for="' + next.dataset.for + '"]') : null;
      (again || filter).focus();
    });

    list.addEventListener("change", drawChips);

    filter.addEventListener("input", applyFilter);
    filter.addEventListener("keydown", function (event) {
      var visible = shown();
      if (event.key === "ArrowDown" && visible.length) {
        event.preventDefault();
        visible[0].focus();
      } else if (event.key === "Enter") {
        event.preventDefault();  // a filter box never submits the form
        if (visible.length) {
          visible[0].checked = true;
          visible[0].dispatchEvent(new Event("change", { bubbles: true }));
        }
      } else if (event.key === "Escape" && filter.value) {
        event.preventDefault();
        filter.value = "";
        applyFilter();
      }
    });

    list.addEventListener("keydown", function (event) {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") { return; }
      var visible = shown();
      var at = visible.indexOf(event.target);
      if (at === -1) { return; }
      event.preventDefault();
      if (event.key === "ArrowDown" && at + 1 < visible.length) {
        visible[at + 1].focus();
      } else if (event.key === "ArrowUp") {
        (at > 0 ? visible[at - 1] : filter).focus();
      }
    });

    drawChips();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-multiselect]"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  // A field swapped in by htmx (the user form's teams, re-fetched for a new organisation).
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail && event.detail.elt;
    if (!root || !root.querySelectorAll) { return; }
    if (root.matches("[data-multiselect]")) { enhance(root); }
    Array.prototype.forEach.call(root.querySelectorAll("[data-multiselect]"), enhance);
  });
}());
