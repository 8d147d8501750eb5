// Triage at speed (DESIGN §11): keyboard shortcuts and the list's selection. Loaded by the list and lead pages;
// every page works without it. No key fires while the person types in a field or holds Ctrl, Alt or Meta.
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.closest) { return false; }
    return target.isContentEditable ||
      Boolean(target.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])"));
  }

  function help() { return document.getElementById("keys-help"); }

  // ---- the list: a visible focus moved by j / k, and the selection for the bulk bar ----
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#lead-rows > li.lead-row")); }

  function focusedRow() {
    var marked = document.querySelector("#lead-rows > li.lead-row.is-focused");
    var active = document.activeElement;
    var holding = active && active.closest ? active.closest("#lead-rows > li.lead-row") : null;
    return holding || marked;
  }

  function focusRow(row) {
    rows().forEach(function (other) { other.classList.remove("is-focused"); });
    row.classList.add("is-focused");
    var link = row.querySelector("a.lead-company");
    if (link) { link.focus(); }
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = rows();
    if (!list.length) { return; }
    var at = list.indexOf(focusedRow());
    var next = at < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + step));
    focusRow(list[next]);
  }

  function updateCount() {
    var counter = document.querySelector("[data-selected-count]");
    var boxes = document.querySelectorAll("#lead-rows .row-select");
    var chosen = document.querySelectorAll("#lead-rows .row-select:checked").length;
    if (counter) { counter.textContent = chosen ? counter.getAttribute("data-template").replace("%(n)s", chosen) : ""; }
    var all = document.querySelector("[data-select-all]");
    if (all) {
      all.checked = boxes.length > 0 && chosen === boxes.length;
      all.indeterminate = chosen > 0 && chosen < boxes.length;
    }
  }

  function listKey(event) {
    var row;
    switch (event.key) {
      case "j": move(1); return true;
      case "k": move(-1); return true;
      case "Enter":
        row = focusedRow();
        // On the row's own link the browser follows it; elsewhere in the row (not a button) open the lead.
        if (!row || (document.activeElement && document.activeElement.closest("a, button"))) { return false; }
        window.location.assign(row.querySelector("a.lead-company").href);
        return true;
      case "f":
        row = focusedRow();
        if (row && row.querySelector("button.heart")) { row.querySelector("button.heart").click(); return true; }
        return false;
      case "x":
        row = focusedRow();
        var box = row ? row.querySelector(".row-select") : null;
        if (!box) { return false; }
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
        return true;
      default: return false;
    }
  }

  // ---- the lead page: a / d open accept / decline, Esc goes back to the list ----
  function openAction(id) {
    var section = document.getElementById(id);
    if (!section) { return false; }
    var details = section.querySelector("details");
    if (details) { details.open = true; }
    var field = section.querySelector("input:not([type=hidden]), select, textarea");
    section.scrollIntoView({ block: "start" });
    if (field) { field.focus(); }
    return true;
  }

  function leadKey(event) {
    switch (event.key) {
      case "a": return openAction("accept");
      case "d": return openAction("decline");
      case "Escape":
        var back = document.querySelector("#lead-main a.back");
        if (!back) { return false; }
        window.location.assign(back.href);
        return true;
      default: return false;
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) { return; }
    if (typing(event.target)) { return; }
    // Any open dialog (the keys' own help, a confirmation) handles its own keys: Esc closes it, nothing more.
    if (document.querySelector("dialog:modal") || (event.target.closest && event.target.closest("dialog[open]"))) { return; }
    var dialog = help();
    if (!dialog) { return; }
    if (dialog.open) { return; }  // the dialog handles its own keys (Esc closes it)
    var handled = false;
    if (event.key === "?") {
      dialog.showModal();
      handled = true;
    } else if (event.shiftKey) {
      return;  // J is not j: shortcuts are the plain keys only
    } else if (dialog.getAttribute("data-keys") === "list") {
      handled = listKey(event);
    } else {
      handled = leadKey(event);
    }
    if (handled) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-keys-help]");
    if (opener && help()) { help().showModal(); }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-select-all]")) {
      document.querySelectorAll("#lead-rows .row-select").forEach(function (box) { box.checked = event.target.checked; });
      updateCount();
    } else if (event.target.matches(".row-select")) {
      updateCount();
    }
  });

  // A click in a row marks it as the focused one, so j / k go on from where the person is.
  document.addEventListener("focusin", function (event) {
    var row = event.target.closest ? event.target.closest("#lead-rows > li.lead-row") : null;
    if (!row) { return; }
    rows().forEach(function (other) { if (other !== row) { other.classList.remove("is-focused"); } });
    row.classList.add("is-focused");
  });

  function init(root) {
    root.querySelectorAll("[data-keys-help], .bulk-all").forEach(function (element) { element.hidden = false; });
    updateCount();
  }

  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
  document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
