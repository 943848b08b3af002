// The selection popup: selecting words of the claim in its context (claim page) or of the
// article's text (article page) offers "Make a claim" and, where there is an evidence form,
// "Quote as evidence" right next to the selection. Keyboard: Tab moves into the popup,
// Escape closes it. Without script nothing changes: the article page's "Mark a passage as a
// claim" form and the "Add evidence" form work as they are. The claim page's workspace is
// swapped by htmx, so every element is looked up when it is needed, never kept.
(function () {
  "use strict";
  var AREAS = "[data-selection-area], #article-text";
  var popup = null;
  var selected = "";
  var returnFocus = null;

  function areaOf(node) {
    var element = node && (node.nodeType === Node.TEXT_NODE ? node.parentElement : node);
    return element ? element.closest(AREAS) : null;
  }

  function normal(text) { return (text || "").replace(/\s+/g, " ").trim(); }

  // The claim page's hidden form (the server finds the words in the article), or the article
  // page's "Mark a passage as a claim" form once selection.js has filled it with this
  // selection and its offsets.
  function claimForm() {
    var hidden = document.querySelector("form.selection-claim-form");
    if (hidden) { return hidden; }
    var marked = document.querySelector("form.selection-form");
    var field = marked && marked.querySelector("textarea[name=text]");
    var start = marked && marked.querySelector("input[name=start]");
    return field && start && start.value && normal(field.value) === selected ? marked : null;
  }

  function quoteField() { return document.querySelector("form.evidence-form textarea[name=quote]"); }

  function button(label, action) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button small";
    b.textContent = label;
    b.addEventListener("click", action);
    return b;
  }

  function build() {
    popup = document.createElement("div");
    popup.className = "selection-popup";
    popup.id = "selection-popup";
    popup.setAttribute("role", "group");
    popup.setAttribute("aria-label", gettext("Use the selected words"));
    popup.hidden = true;
    popup.appendChild(button(gettext("Make a claim"), makeClaim));
    popup.appendChild(button(gettext("Quote as evidence"), quote));
    var hint = document.createElement("span");
    hint.className = "selection-popup-hint";
    hint.textContent = gettext("Esc closes");
    popup.appendChild(hint);
    popup.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); hide(true); }
    });
    document.body.appendChild(popup);
  }

  function show(range) {
    if (!popup) { build(); }
    var form = claimForm();
    var field = quoteField();
    popup.children[0].hidden = !form;
    popup.children[1].hidden = !field;
    if (!form && !field) { hide(false); return; }
    var rect = range.getBoundingClientRect();
    popup.hidden = false;
    // Below the selection, kept inside the page's width (CSSOM, allowed by the CSP).
    var width = popup.offsetWidth;
    var left = Math.max(8, Math.min(rect.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - width - 8));
    popup.style.left = left + "px";
    popup.style.top = (rect.bottom + window.scrollY + 6) + "px";
  }

  function hide(restore) {
    if (!popup || popup.hidden) { return; }
    popup.hidden = true;
    if (restore && returnFocus && document.contains(returnFocus)) { returnFocus.focus(); }
    returnFocus = null;
  }

  function makeClaim() {
    var form = claimForm();
    if (!form || !selected) { return; }
    if (form.classList.contains("selection-claim-form")) {
      form.querySelector("input[name=text]").value = selected;
    }
    hide(false);
    form.submit();
  }

  function quote() {
    var field = quoteField();
    if (!field || !selected) { return; }
    field.value = selected;
    hide(false);
    var form = field.form;
    var url = form.querySelector("input[name=url]");
    var stance = form.querySelector("select[name=stance]");
    // The next thing the reviewer has to give: the address, else the stance.
    var next = url && !url.value ? url : (stance || field);
    next.scrollIntoView({ block: "center" });
    next.focus();
  }

  var timer = null;
  document.addEventListener("selectionchange", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var selection = window.getSelection();
      if (!selection || selection.rangeCount === 0 || selection.isCollapsed) {
        if (popup && !popup.contains(document.activeElement)) { hide(false); }
        return;
      }
      var range = selection.getRangeAt(0);
      var area = areaOf(range.commonAncestorContainer);
      var text = normal(selection.toString());
      if (!area || !text) { hide(false); return; }
      selected = text;
      show(range);
    }, 150);
  });

  document.addEventListener("keydown", function (event) {
    if (!popup || popup.hidden) { return; }
    if (event.key === "Escape") { hide(true); return; }
    // Tab from the selection goes into the popup first.
    if (event.key === "Tab" && !event.shiftKey && !popup.contains(document.activeElement)) {
      var first = Array.prototype.find.call(popup.querySelectorAll("button"), function (b) { return !b.hidden; });
      if (first) {
        event.preventDefault();
        returnFocus = document.activeElement;
        first.focus();
      }
    }
  });

  document.addEventListener("mousedown", function (event) {
    if (popup && !popup.hidden && !popup.contains(event.target)) { hide(false); }
  });
})();
