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

/* --- pieces: upload progress (owned by the pieces domain; keep this block whole) ---------- */
(function () {
  "use strict";
  // htmx:xhr:progress feeds the <progress> of the upload form being sent.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target && event.target.closest && event.target.closest("form.piece-upload");
    var detail = event.detail || {};
    if (!form || !detail.lengthComputable || !detail.total) { return; }
    var bar = form.querySelector("progress.upload-progress");
    if (!bar) { return; }
    bar.hidden = false;
    bar.value = Math.round((detail.loaded / detail.total) * 100);
  });
  // After a piece's row (or group) swaps in, keyboard focus goes to what answered: the error,
  // else the piece's heading, instead of being lost with the replaced button.
  document.addEventListener("htmx:afterSettle", function () {
    var target = document.querySelector("[data-piece-focus]");
    if (!target) { return; }
    target.removeAttribute("data-piece-focus");
    target.focus();
  });
})();
/* --- end pieces ----------------------------------------------------------------------------- */
