/* The search-as-you-type picker (wenming.core.widgets.PickerInput): the id box becomes
   hidden, a search box asks the widget's scoped search API as the user types (debounced),
   and a chosen row fills the id. Without this file the id box stays a plain input. */
(function () {
  "use strict";
  var DELAY = 250, SIZE = 10;

  function fill(template, row) {
    return (template || "").replace(/\{(\w+)\}/g, function (_m, key) {
      return row[key] == null ? "" : String(row[key]);
    }).replace(/^[\s·]+|[\s·]+$/g, "");
  }

  function setup(box) {
    if (box.dataset.pickerReady) return;
    box.dataset.pickerReady = "1";
    var idBox = box.querySelector(".picker-id"), search = box.querySelector(".picker-q");
    var list = box.querySelector(".picker-list"), chosen = box.querySelector(".picker-chosen");
    var nojs = box.querySelector(".picker-nojs");
    var timer = null, seq = 0, active = -1, rows = [];

    // The page's <label for=id> now names the search box, which takes the id.
    var id = idBox.id;
    idBox.id = id + "-value";
    search.id = id;
    idBox.type = "hidden";
    idBox.removeAttribute("aria-describedby");
    if (nojs) nojs.hidden = true;
    search.hidden = false;

    function close() {
      list.hidden = true;
      search.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(i) {
      var items = list.querySelectorAll("[role=option]");
      items.forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (items[i]) {
        search.setAttribute("aria-activedescendant", items[i].id);
        items[i].scrollIntoView({ block: "nearest" });
      }
    }

    function choose(i) {
      var row = rows[i];
      if (!row) return;
      idBox.value = row.id;
      search.value = fill(box.dataset.itemLabel, row);
      chosen.textContent = box.dataset.chosen + search.value;
      close();
      idBox.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function message(text) {
      list.innerHTML = "";
      var li = document.createElement("li");
      li.className = "picker-empty";
      li.textContent = text;
      list.appendChild(li);
      list.hidden = false;
    }

    function show(found) {
      rows = found;
      list.innerHTML = "";
      if (!rows.length) { message(box.dataset.empty); return; }
      rows.forEach(function (row, i) {
        var li = document.createElement("li");
        li.id = id + "-opt-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.className = "picker-name";
        name.textContent = fill(box.dataset.itemLabel, row);
        li.appendChild(name);
        var detail = fill(box.dataset.itemDetail, row);
        if (detail) {
          var small = document.createElement("small");
          small.textContent = detail;
          li.appendChild(small);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { choose(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      search.setAttribute("aria-expanded", "true");
    }

    function lookup() {
      var q = search.value.trim(), mine = ++seq;
      var url = box.dataset.search + (box.dataset.search.indexOf("?") < 0 ? "?" : "&") +
        "page_size=" + SIZE + "&q=" + encodeURIComponent(q);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) { if (mine === seq) show(data.items || []); })
        .catch(function () { if (mine === seq) message(box.dataset.failed); });
    }

    search.addEventListener("input", function () {
      idBox.value = "";  // typed over: nothing is chosen until a row is
      chosen.textContent = "";
      clearTimeout(timer);
      timer = setTimeout(lookup, DELAY);
    });
    search.addEventListener("focus", function () { if (!search.value) lookup(); });
    search.addEventListener("keydown", function (e) {
      var n = rows.length;
      if (e.key === "ArrowDown" && n) { e.preventDefault(); list.hidden = false; highlight((active + 1) % n); }
      else if (e.key === "ArrowUp" && n) { e.preventDefault(); highlight((active - 1 + n) % n); }
      else if (e.key === "Enter" && !list.hidden && active >= 0) { e.preventDefault(); choose(active); }
      else if (e.key === "Escape") { close(); }
    });
    search.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function init(root) { (root || document).querySelectorAll("[data-picker]").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(); });
  else init();
  document.addEventListener("htmx:load", function (e) { init(e.target); });
})();
