// Asks once before a form marked data-confirm="question" is sent: an accessible <dialog> (focus moves into it,
// Escape cancels, focus returns to the button). Without this file the server asks instead (a confirmation page).
(function () {
  "use strict";
  var dialog = null;
  var pending = null;
  var opener = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-text");
    var text = document.createElement("p");
    text.id = "confirm-dialog-text";
    var actions = document.createElement("div");
    actions.className = "confirm-actions";
    var yes = document.createElement("button");
    yes.type = "button";
    yes.className = "button danger";
    yes.setAttribute("data-confirm-yes", "");
    var no = document.createElement("button");
    no.type = "button";
    no.className = "button ghost";
    no.setAttribute("data-confirm-no", "");
    actions.appendChild(yes);
    actions.appendChild(no);
    dialog.appendChild(text);
    dialog.appendChild(actions);
    document.body.appendChild(dialog);
    yes.addEventListener("click", function () {
      var form = pending;
      pending = null;
      dialog.close();
      if (!form) { return; }
      var flag = form.querySelector("input[name=confirmed]");
      if (!flag) {
        flag = document.createElement("input");
        flag.type = "hidden";
        flag.name = "confirmed";
        form.appendChild(flag);
      }
      flag.value = "1";
      form.requestSubmit();
    });
    no.addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () {
      pending = null;
      if (opener && document.contains(opener)) { opener.focus(); }
    });
  }

  // Capture phase: runs before htmx's own submit handler on the form, so nothing is sent until confirmed.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-confirm")) { return; }
    var flag = form.querySelector("input[name=confirmed]");
    if (flag && flag.value === "1") { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    if (!dialog) { build(); }
    pending = form;
    opener = event.submitter || document.activeElement;
    dialog.querySelector("#confirm-dialog-text").textContent = form.getAttribute("data-confirm");
    dialog.querySelector("[data-confirm-yes]").textContent = form.getAttribute("data-confirm-yes") || "OK";
    dialog.querySelector("[data-confirm-no]").textContent = form.getAttribute("data-confirm-no") || "Cancel";
    dialog.showModal();
    dialog.querySelector("[data-confirm-no]").focus();
  }, true);
})();
