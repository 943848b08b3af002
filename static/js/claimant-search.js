// The claim page's claimant search box: suggests existing claimants (by name or alias) as
// the reviewer types, and picks the one chosen. Without script the field is a plain name
// that the server finds or creates (claims.views.claimants.claim_claimant_set).
(function () {
  "use strict";
  function setUp(form) {
    var url = form.getAttribute("data-claimant-search");
    var input = form.querySelector("input[name=name]");
    var hidden = form.querySelector("input[name=claimant]");
    var list = document.getElementById(input.getAttribute("list"));
    var found = {};
    var timer = null;
    input.addEventListener("input", function () {
      hidden.value = found[input.value] ? String(found[input.value].id) : "";
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) return;
      timer = setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            list.textContent = "";
            found = {};
            data.results.forEach(function (c) {
              found[c.name] = c;
              var option = document.createElement("option");
              option.value = c.name;
              option.label = c.description ? c.name + " (" + c.description + ")" : c.name;
              list.appendChild(option);
            });
            hidden.value = found[input.value] ? String(found[input.value].id) : "";
          })
          .catch(function () {});
      }, 200);
    });
  }
  function ready() {
    document.querySelectorAll("form[data-claimant-search]").forEach(setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
  document.addEventListener("htmx:afterSwap", ready);
})();
