// LeadHub's progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function init(root) {
    root.querySelectorAll("[data-add-team], [data-remove-team-row], [data-copy]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function addRow(button) {
    var fieldset = button.closest("fieldset");
    var rows = fieldset.querySelector("[data-team-rows]");
    var template = fieldset.querySelector("template[data-team-template]");
    var next = 0;
    rows.querySelectorAll("[name]").forEach(function (input) {
      var match = /-(\d+)-/.exec(input.name);
      if (match) { next = Math.max(next, parseInt(match[1], 10) + 1); }
    });
    var html = template.innerHTML.replace(/__i__/g, String(next));
    rows.insertAdjacentHTML("beforeend", html);
    var added = rows.lastElementChild;
    var legend = added.querySelector("legend");
    if (legend) { legend.textContent = legend.textContent.trim() + " " + rows.children.length; }
    added.querySelectorAll("[data-remove-team-row]").forEach(function (b) { b.hidden = false; });
    var first = added.querySelector("input, select, textarea");
    if (first) { first.focus(); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-team]");
    if (button) { event.preventDefault(); addRow(button); }
    var copy = event.target.closest("[data-copy]");
    if (copy) { event.preventDefault(); copyText(copy); }
    var remove = event.target.closest("[data-remove-team-row]");
    if (remove) { event.preventDefault(); removeRow(remove); }
  });

  // Copies the text of the element named by data-copy, and says so in the status next to the button.
  function copyText(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector(".copy-status");
    if (!source || !navigator.clipboard) { return; }
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      if (status) { status.textContent = button.getAttribute("data-copied"); }
    });
  }

  // A removed row's inputs go with it (blank rows are ignored anyway); focus moves to "Add another person".
  function removeRow(button) {
    var fieldset = button.closest("fieldset.team-fieldset");
    button.closest(".team-row").remove();
    var add = fieldset && fieldset.querySelector("[data-add-team]");
    if (add) { add.focus(); }
  }

  document.addEventListener("change", function (event) {
    var select = event.target.closest(".js-autosubmit");
    if (!select) { return; }
    var next = select.form.querySelector("input[name=next]");
    if (next) { next.value = window.location.pathname + window.location.search; }
    select.form.submit();
  });

  // After an action re-renders the lead, take the user to what changed: the first error, else the message on top.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "lead-main") { return; }
    var main = document.getElementById("lead-main");
    if (!main) { return; }
    var invalid = main.querySelector(".has-error input, .has-error select, .has-error textarea");
    if (invalid) { invalid.focus(); return; }
    main.scrollIntoView({ block: "start" });
  });

  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
  document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
