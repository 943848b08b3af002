// The claim page's keyboard focus after htmx swaps its workspace: the button pressed is gone
// with the old workspace, so the focus goes to the message saying what happened (or to the
// workspace), never back to the top of the document. A field the new workspace asks for
// (autofocus, as after "Add as evidence") keeps the focus htmx gave it.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function (event) {
    // Only the workspace's swaps (not "Checked before", loaded into the page on its own).
    var swapped = event.detail && event.detail.target;
    if (!swapped || swapped.id !== "workspace") { return; }
    var active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) { return; }
    var workspace = document.getElementById("workspace");
    if (!workspace) { return; }
    var target = workspace.querySelector(".messages-inline") || workspace;
    target.focus({ preventScroll: false });
  });
})();
