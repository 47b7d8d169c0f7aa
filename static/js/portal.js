/* Portail Candidat: small enhancements on top of htmx. Everything works without this file. */
(function () {
  "use strict";
  // After an htmx swap, move focus where a keyboard or screen-reader user expects it:
  // to an error summary when one came back, else to the main content after a boosted navigation.
  document.addEventListener("htmx:afterSettle", function (event) {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); return; }
    var detail = event.detail || {};
    if (detail.boosted) {
      var main = document.getElementById("contenu");
      if (main) { main.focus({ preventScroll: true }); }
    }
  });
})();
