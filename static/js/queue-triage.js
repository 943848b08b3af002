// Reviewer queue: "Select all on this page" ticks every row's checkbox (without script the
// server reads the page's claims from the form instead), and the action bar says how many
// claims are selected. Dismissing asks for a reason before anything is sent.
(function () {
  "use strict";
  var form = document.getElementById("bulk-assign");
  var all = document.getElementById("select-all");
  if (!form || !all) { return; }
  var count = form.querySelector("[data-selected-count]");

  function boxes() {
    return Array.prototype.slice.call(
      document.querySelectorAll('input[type=checkbox][name=claims][form="bulk-assign"]')
    );
  }

  function update() {
    var list = boxes();
    var ticked = list.filter(function (box) { return box.checked; }).length;
    all.checked = list.length > 0 && ticked === list.length;
    all.indeterminate = ticked > 0 && ticked < list.length;
    if (count) { count.textContent = ticked ? interpolate(ngettext("%(n)s selected", "%(n)s selected", ticked), { n: ticked }, true) : ""; }
  }

  all.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
    update();
  });
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.name === "claims" && target.getAttribute("form") === "bulk-assign") {
      update();
    }
  });
  // The "x" shortcut ticks a box without a change event: count on every key too.
  document.addEventListener("keyup", update);

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    var reason = form.querySelector("input[name=reason]");
    if (button && button.value === "dismiss" && reason && !reason.value.trim()) {
      event.preventDefault();
      reason.setCustomValidity(gettext("Say why the selected claims are dismissed."));
      reason.reportValidity();
      reason.addEventListener("input", function () { reason.setCustomValidity(""); }, { once: true });
    }
  });
  update();
})();
