// Reviewer article page: selecting words in the article text fills the "Mark a passage as a
// claim" form with the passage and its exact offsets into the canonical text. Every segment
// of the text is an element with data-start (its offset); nothing else carries text offsets.
(function () {
  "use strict";
  var container = document.getElementById("article-text");
  var form = document.querySelector(".selection-form");
  if (!container || !form) { return; }
  var textField = form.querySelector("textarea[name=text]");
  var startField = form.querySelector("input[name=start]");
  var endField = form.querySelector("input[name=end]");

  function offsetOf(node, offset) {
    var element = node.nodeType === Node.TEXT_NODE ? node.parentElement : null;
    if (!element || element.dataset.start === undefined || !container.contains(element)) {
      return null;
    }
    return parseInt(element.dataset.start, 10) + offset;
  }

  function textBetween(start, end) {
    var parts = [];
    container.querySelectorAll("[data-start]").forEach(function (element) {
      var from = parseInt(element.dataset.start, 10);
      var text = element.textContent;
      var a = Math.max(start, from);
      var b = Math.min(end, from + text.length);
      if (a < b) { parts.push(text.slice(a - from, b - from)); }
    });
    return parts.join("");
  }

  function clearOffsets() { startField.value = ""; endField.value = ""; }

  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { return; }
    var range = selection.getRangeAt(0);
    var start = offsetOf(range.startContainer, range.startOffset);
    var end = offsetOf(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) { return; }
    textField.value = textBetween(start, end);
    startField.value = String(start);
    endField.value = String(end);
  });
  // Typing in the box means the passage is quoted, not selected: the server looks it up.
  textField.addEventListener("input", clearOffsets);
})();
