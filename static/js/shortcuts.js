// Keyboard shortcuts of the reviewer area (documented on /review/help/). Keys act only when
// the focus is not in a text field, and never with Ctrl/Alt/Meta held.
(function () {
  "use strict";
  var pendingG = false;

  function typing(target) {
    if (!target) { return false; }
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-row]")); }

  function currentRow() { return document.querySelector("tr[data-row].is-current"); }

  function moveRow(step) {
    var all = rows();
    if (!all.length) { return; }
    var index = all.indexOf(currentRow());
    var next = all[Math.min(all.length - 1, Math.max(0, index + step))] || all[0];
    all.forEach(function (row) { row.classList.remove("is-current"); });
    next.classList.add("is-current");
    var link = next.querySelector("a.row-link");
    if (link) { link.focus(); }
  }

  function focusField(key) {
    var wrapper = document.querySelector('[data-shortcut-field="' + key + '"]');
    var field = wrapper && wrapper.querySelector("input, textarea, select");
    if (field) { field.focus(); return true; }
    return false;
  }

  function press(key) {
    var button = document.querySelector('[data-shortcut="' + key + '"]');
    if (button) { button.click(); return true; }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey) { return; }
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (typing(event.target)) { return; }
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      if (key === "q") { window.location.href = "/review/claims/"; event.preventDefault(); }
      return;
    }
    var handled = false;
    if (key === "g") { pendingG = true; handled = true; }
    else if (key === "?") { window.location.href = "/review/help/"; handled = true; }
    else if (key === "j") { moveRow(1); handled = rows().length > 0; }
    else if (key === "k") { moveRow(-1); handled = rows().length > 0; }
    else if (key === "o") {
      var row = currentRow();
      var link = row && row.querySelector("a.row-link");
      if (link) { link.click(); handled = true; }
    } else if (key === "x") {
      var selected = currentRow();
      var box = selected && selected.querySelector("input[type=checkbox]");
      if (box) { box.checked = !box.checked; handled = true; }
    } else if ("/evna".indexOf(key) !== -1) {
      handled = focusField(key);
    } else if ("msp".indexOf(key) !== -1) {
      handled = press(key);
    }
    if (handled) { event.preventDefault(); }
  });

  // After htmx swaps the claim workspace in, keep the keyboard user where they were.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "workspace") {
      var alert = document.querySelector("#workspace [role=alert], #workspace .messages-inline");
      if (alert) { alert.setAttribute("tabindex", "-1"); alert.focus(); }
    }
  });
})();
