/* Portail Candidat: small enhancements on top of htmx. Everything works without this file.
   - an htmx request that fails says so (#alerte, role="alert"), with a way to send it again;
   - a request that takes more than a second says so (#chargement); the swapped area is
     aria-busy meanwhile (buttons are disabled by hx-disabled-elt);
   - after a tab is swapped in, focus goes to its heading (or its error summary) and the change
     is announced (#annonce); inline checks and other swaps announce what they bring;
   - error-summary links focus their field and show its label or legend (as GOV.UK does);
   - Enter in a search field searches;
   - the account's data recalled on Identification stays on the page between tabs;
   - a press on a submit button is never lost to the inline check of the field it leaves. */
(function () {
  "use strict";
  var SLOW_MS = 1000;
  var pending = 0;
  var slowTimer = null;

  function byId(id) { return document.getElementById(id); }

  // A live region is read when its text changes: empty it first, then fill it a moment later.
  function say(regionId, text) {
    var region = byId(regionId);
    if (!region) { return; }
    region.textContent = "";
    if (text) { setTimeout(function () { region.textContent = text; }, 60); }
  }

  function clearAlert() {
    var region = byId("alerte");
    if (region) { region.textContent = ""; }
  }

  // title: bold first line; body: nodes or text; retry: {label, run} or null.
  function showAlert(title, body, retry) {
    var region = byId("alerte");
    if (!region) { return; }
    region.textContent = "";
    var box = document.createElement("div");
    box.className = "notice notice-error";
    if (title) {
      var first = document.createElement("p");
      var strong = document.createElement("strong");
      strong.textContent = title;
      first.appendChild(strong);
      box.appendChild(first);
    }
    (body || []).forEach(function (part) {
      if (typeof part === "string") {
        var p = document.createElement("p");
        p.textContent = part;
        box.appendChild(p);
      } else {
        box.appendChild(part);
      }
    });
    if (retry) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = retry.label;
      button.addEventListener("click", function () { clearAlert(); retry.run(); });
      box.appendChild(button);
    }
    region.appendChild(box);
    region.scrollIntoView({ block: "nearest" });
    region.focus({ preventScroll: true });
  }

  // Send the failed request again, as the person did: the same button of the same form.
  function retryOf(detail) {
    var config = detail.requestConfig || {};
    var elt = detail.elt;
    var event = config.triggeringEvent;
    var submitter = event && event.submitter;
    return function () {
      if (elt && elt.isConnected && elt.tagName === "FORM") {
        if (submitter && submitter.isConnected) { elt.requestSubmit(submitter); } else { elt.requestSubmit(); }
      } else if (elt && elt.isConnected && elt.tagName === "A") {
        elt.click();
      } else if (elt && elt.isConnected && window.htmx) {
        window.htmx.ajax(config.verb || "get", config.path, { source: elt });
      } else {
        window.location.reload();
      }
    };
  }

  // The server's own French words: its error fragment, or the main heading of a full page.
  function serverMessage(xhr) {
    var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var fragment = doc.querySelector(".error-message");
    if (fragment) {
      return Array.prototype.map.call(fragment.children, function (node) {
        return document.importNode(node, true);
      });
    }
    var heading = doc.querySelector("main h1");
    var text = doc.querySelector("main h1 + p");
    var parts = [];
    if (heading) { parts.push(heading.textContent); }
    if (text) { parts.push(text.textContent); }
    return parts.length ? parts : ["Une erreur est survenue (" + xhr.status + "). Réessayez dans quelques instants."];
  }

  // A stale form token: the server sends the valid one; every form and htmx header takes it.
  function refreshToken(xhr) {
    var token = xhr.getResponseHeader("X-Portal-Csrf-Token");
    if (!token) { return false; }
    document.querySelectorAll("input[name='_csrf_token']").forEach(function (input) { input.value = token; });
    document.body.setAttribute("data-hx-headers", JSON.stringify({ "x-csrftoken": token }));
    return true;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var detail = event.detail || {};
    var xhr = detail.xhr;
    var config = detail.requestConfig || {};
    if (!xhr) { return; }
    if (detail.boosted && (config.verb || "get") === "get") {
      // A boosted link to an error page: show that page as a browser would.
      window.location.assign(config.path || xhr.responseURL);
      return;
    }
    if (xhr.status === 403 && refreshToken(xhr)) {
      showAlert(null, serverMessage(xhr), { label: "Envoyer à nouveau", run: retryOf(detail) });
      return;
    }
    showAlert(null, serverMessage(xhr), xhr.status >= 500 || xhr.status === 429 ? { label: "Réessayer", run: retryOf(detail) } : null);
  });

  // Pressing a form's submit button straight from a field leaves the field, which sends its
  // inline check; the answer, back while the button is still held, may add or take away an error
  // message and move the button, and the release then lands beside it: the click is lost. The
  // form is being sent and the server checks every field, so that check is not sent.
  var pressedSubmit = null;
  document.addEventListener("pointerdown", function (event) {
    var target = event.target && event.target.closest ? event.target.closest("button, input[type='submit']") : null;
    pressedSubmit = target && target.form && target.type === "submit" ? target : null;
  }, true);
  document.addEventListener("pointerup", function () {
    setTimeout(function () { pressedSubmit = null; }, 0);  // after the click it makes
  }, true);
  document.addEventListener("pointercancel", function () { pressedSubmit = null; }, true);
  document.addEventListener("htmx:confirm", function (event) {
    var elt = (event.detail || {}).elt;
    if (pressedSubmit && elt && elt !== pressedSubmit && elt.form === pressedSubmit.form &&
        elt.matches("input, select, textarea")) {
      event.preventDefault();
    }
  });

  // An inline check answers for the value the field had when it was sent, and its answer replaces
  // the whole field. A person back in the field, typing again before it arrives, would see the
  // old value put back over what they type (and its error, about a value no longer there): that
  // answer is dropped, what they typed stays, and the field is checked again when they leave it
  // (by its own trigger, or here if that does not go, e.g. the value is back to the one sent).
  var sentValues = new WeakMap();  // xhr -> the value of the field that sent it
  function isField(elt) {
    return elt && elt.matches && elt.matches("input:not([type='checkbox']):not([type='radio']):not([type='submit']):not([type='button']), select, textarea");
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var detail = event.detail || {};
    var elt = (detail.requestConfig || {}).elt;
    if (detail.xhr && isField(elt)) { sentValues.set(detail.xhr, elt.value); }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail || {};
    var config = detail.requestConfig || {};
    var elt = config.elt;
    if (!detail.shouldSwap || !detail.xhr || !sentValues.has(detail.xhr) || !elt || !elt.isConnected ||
        !detail.target || !detail.target.contains(elt)) { return; }
    if (elt.value === sentValues.get(detail.xhr)) { return; }
    detail.shouldSwap = false;
    if (document.activeElement !== elt) { return; }  // left already: its own trigger went
    var owed = true;
    var sent = function (e) { if ((e.detail || {}).elt === elt) { owed = false; } };
    document.addEventListener("htmx:beforeRequest", sent);
    elt.addEventListener("focusout", function () {
      setTimeout(function () {  // after the field's own trigger (change, focusout), if any
        document.removeEventListener("htmx:beforeRequest", sent);
        if (owed && elt.isConnected && window.htmx) {
          window.htmx.ajax(config.verb || "post", config.path, { source: elt });
        }
      }, 0);
    }, { once: true });
  });

  document.addEventListener("htmx:sendError", function (event) {
    showAlert("La connexion a été perdue.", [
      "Votre demande n'a pas pu être envoyée. Ce que vous avez saisi est conservé sur cette page : vérifiez votre connexion, puis réessayez."
    ], { label: "Réessayer", run: retryOf(event.detail || {}) });
  });

  // Loading: aria-busy on the area being replaced, a message once it takes more than a second.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var detail = event.detail || {};
    clearAlert();
    if (detail.target) { detail.target.setAttribute("aria-busy", "true"); }
    pending += 1;
    var message = "Chargement en cours, merci de patienter…";
    clearTimeout(slowTimer);
    slowTimer = setTimeout(function () { say("chargement", message); }, SLOW_MS);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var detail = event.detail || {};
    if (detail.target) { detail.target.removeAttribute("aria-busy"); }
    pending = Math.max(0, pending - 1);
    if (!pending) {
      clearTimeout(slowTimer);
      var region = byId("chargement");
      if (region) { region.textContent = ""; }
    }
  });

  // A long list drawn with its chosen option only (a tab's fragment stays small): its options
  // come from their own URL, which the browser keeps; the choice shown stays chosen.
  function fillOptions(root) {
    root.querySelectorAll("select[data-options-url]").forEach(function (select) {
      var url = select.getAttribute("data-options-url");
      select.removeAttribute("data-options-url");
      fetch(url, { credentials: "same-origin", redirect: "error" }).then(function (response) {
        return response.ok ? response.text() : "";
      }).then(function (text) {
        var doc = new DOMParser().parseFromString(text, "text/html");
        var options = doc.querySelectorAll("option");
        if (!options.length || !select.isConnected) { return; }
        var value = select.value;
        var keep = select.options.length && select.options[0].value === "" ? 1 : 0;
        while (select.options.length > keep) { select.remove(keep); }
        options.forEach(function (option) { select.add(document.importNode(option, true)); });
        select.value = value;
      }).catch(function () { /* offline: the chosen option stays, the full submit still works */ });
    });
  }

  // The account's data recalled on Identification (templates/registrations/partials/
  // _recalled.html.j2): before a tab replaces it, each part goes to #wizard-rappel, outside what
  // a step swaps; a swapped-in Identification tab brings empty placeholders of the same ids, and
  // htmx moves the parts back into them (hx-preserve).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail || {};
    var keep = byId("wizard-rappel");
    if (!detail.shouldSwap || !keep || !detail.target || detail.target.id !== "wizard") { return; }
    detail.target.querySelectorAll("[data-hx-preserve]").forEach(function (part) { keep.appendChild(part); });
  });

  // After a swap: the lists to fill, focus and announcements.
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.target;
    var detail = event.detail || {};
    if (!root || !root.querySelector) { return; }
    if (root.id === "wizard" && root.querySelector("[data-hx-preserve]:empty")) {
      // A recalled part the page did not hold (never expected): the whole tab, from its URL.
      var xhr = detail.xhr;
      var url = xhr && (xhr.getResponseHeader("HX-Push-Url") || xhr.getResponseHeader("HX-Replace-Url"));
      if (url) { window.location.assign(url); } else { window.location.reload(); }
      return;
    }
    fillOptions(root);
    var summary = root.querySelector(".error-summary");
    if (root.id === "wizard") {
      // A wizard tab: its error summary, else its heading; and say which tab it is (the title's
      // first part: "Étape 2 sur 6 : Qualification présentée", "Erreur : " first if any).
      var heading = root.querySelector("#wizard-step-title");
      if (summary) { summary.focus(); } else if (heading) { heading.focus(); }
      say("annonce", document.title.split(" - ")[0]);
      return;
    }
    if (detail.boosted) {
      if (summary) { summary.focus(); return; }
      var main = byId("contenu");
      if (main) { main.focus({ preventScroll: true }); }
      return;
    }
    // A part of the page (an inline check, a list of results): say what it brings.
    var error = root.querySelector(".field-error");
    var spoken = root.querySelector("[data-announce]");
    if (error) { say("annonce", error.textContent.trim()); } else if (spoken) { say("annonce", spoken.getAttribute("data-announce")); }
  });

  // Error summary: a link focuses its field and shows the field's label or legend.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".error-summary a[href^='#']") : null;
    if (!link) { return; }
    var target = byId(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!target) { return; }
    var field = target;
    if (target.hasAttribute("data-error-focus")) {
      field = byId(target.getAttribute("data-error-focus")) || target;
    } else if (!/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) {
      field = target.querySelector("input:not([type=hidden]), select, textarea") || target;
    }
    var caption = null;
    var group = field.closest("fieldset");
    if (group && (field.type === "radio" || field.type === "checkbox")) {
      caption = group.querySelector("legend");
    } else if (field.id) {
      caption = document.querySelector("label[for='" + field.id + "']");
    }
    event.preventDefault();
    (caption || field).scrollIntoView({ block: "start" });
    if (field.tabIndex < 0 && !field.hasAttribute("tabindex")) { field.setAttribute("tabindex", "-1"); }
    field.focus({ preventScroll: true });
  });

  // Enter in a search field searches (without this script, the server reads Enter there as a
  // search too); it never submits the whole form.
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.matches || !input.matches("input[data-enter-searches]")) { return; }
    event.preventDefault();
    if (window.htmx) { window.htmx.trigger(input, "search"); }
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

/* --- back office: the scan of postal pieces' cover slips ------------------------------------ */
(function () {
  "use strict";
  var audio = null;
  // A short tone made here (Web Audio API): no sound file, nothing fetched. Success: one high
  // beep; already received: two medium beeps; unknown code: one low, longer buzz.
  function beep(kind) {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    try {
      audio = audio || new Context();
      var tones = kind === "success" ? [[880, 0, 0.15]] :
        kind === "info" ? [[660, 0, 0.1], [660, 0.18, 0.1]] : [[220, 0, 0.4]];
      tones.forEach(function (tone) {
        var oscillator = audio.createOscillator();
        var gain = audio.createGain();
        var start = audio.currentTime + tone[1];
        oscillator.type = kind === "error" ? "square" : "sine";
        oscillator.frequency.value = tone[0];
        gain.gain.setValueAtTime(0.2, start);
        gain.gain.exponentialRampToValueAtTime(0.001, start + tone[2]);
        oscillator.connect(gain);
        gain.connect(audio.destination);
        oscillator.start(start);
        oscillator.stop(start + tone[2] + 0.02);
      });
    } catch (error) { /* no sound: the written answer stays */ }
  }
  // After an answer: its sound, then the field emptied and focused for the next slip.
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.target;
    if (!root || root.id !== "scan-result") { return; }
    var answer = root.querySelector("[data-scan]");
    if (answer) { beep(answer.getAttribute("data-scan")); }
    var field = document.querySelector("#scan-form input[name='code']");
    if (field) { field.value = ""; field.focus(); }
  });
})();
/* --- end back office scan ------------------------------------------------------------------- */
