// A job's page (ingestion, sources import) refreshes itself every few seconds while the job
// runs: <p data-refresh-seconds="3"> holds the notice, a "Pause" button stops it (WCAG 2.2.1:
// timing the user can stop), "Refresh now" is a plain link that works without script.
(function () {
  "use strict";
  var notice = document.querySelector("[data-refresh-seconds]");
  if (!notice) return;
  var seconds = parseInt(notice.getAttribute("data-refresh-seconds"), 10) || 3;
  var timer = window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  var pause = notice.querySelector("[data-refresh-pause]");
  if (pause) {
    pause.hidden = false;
    pause.addEventListener("click", function () {
      window.clearTimeout(timer);
      pause.hidden = true;
      var said = notice.querySelector("[data-refresh-said]");
      if (said) said.textContent = gettext("Automatic refresh paused.");
    });
  }
})();
