// LeadHub's progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function init(root) {
    root.querySelectorAll("[data-add-team]").forEach(function (button) { button.hidden = false; });
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
    var first = added.querySelector("input, select, textarea");
    if (first) { first.focus(); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-team]");
    if (button) { event.preventDefault(); addRow(button); }
  });

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
    focusFlagged(main);
  });

  // A confirmation or an error summary marked data-focus-on-load (with tabindex="-1") takes the focus, so a
  // keyboard or screen-reader user lands on what the action said instead of at the top of <body>.
  function focusFlagged(root) {
    var target = root.querySelector("[data-focus-on-load]");
    if (target) { target.focus(); }
  }

  // A heart swaps itself: its button is replaced, and the focus would fall to <body>. Put it on the new heart,
  // whose pressed state (and label) is the confirmation.
  function refocusHeart(elt) {
    if (!elt.matches || !elt.matches(".heart-form")) { return; }
    var active = document.activeElement;
    if (!active || active === document.body || !document.contains(active)) {
      var button = elt.querySelector("button");
      if (button) { button.focus(); }
    }
  }

  // The tab strip scrolls sideways on a phone: say so with a fade at the edge that has more tabs behind it.
  function updateScrollHint(strip) {
    var more = strip.scrollWidth - strip.clientWidth - strip.scrollLeft > 2;
    strip.parentElement.classList.toggle("more-right", more);
    strip.parentElement.classList.toggle("more-left", strip.scrollLeft > 2);
  }

  function initScrollHints(root) {
    var strips = root.querySelectorAll ? root.querySelectorAll("[data-scroll-hint]") : [];
    if (root.matches && root.matches("[data-scroll-hint]")) { strips = [root]; }
    Array.prototype.forEach.call(strips, function (strip) {
      if (strip.hasAttribute("data-hint-ready")) { return; }
      strip.setAttribute("data-hint-ready", "");
      var active = strip.querySelector("[aria-current=page]");
      if (active && active.offsetLeft + active.offsetWidth > strip.clientWidth) {
        strip.scrollLeft = active.offsetLeft - 16;
      }
      updateScrollHint(strip);
      strip.addEventListener("scroll", function () { updateScrollHint(strip); }, { passive: true });
    });
  }

  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-scroll-hint]").forEach(updateScrollHint);
  });

  document.addEventListener("htmx:load", function (event) {
    init(event.detail.elt);
    initScrollHints(event.detail.elt);
    refocusHeart(event.detail.elt);
  });
  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    initScrollHints(document);
    focusFlagged(document);
  });
})();
