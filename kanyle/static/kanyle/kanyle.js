/*
 * Kanyle – small page behaviours. No dependencies, loaded with `defer`.
 *
 * The Content-Security-Policy allows only scripts and styles from 'self', so
 * templates declare behaviour with data attributes and this file wires it up.
 * No eval, no inline styles: only classes and the `hidden` attribute change.
 *
 *   <form data-confirm="Text">      ask window.confirm(Text) before submitting
 *   <button data-confirm="Text">    same, for that button (submit or htmx)
 *   <input data-autofocus>          gets focus when the page/fragment loads
 *   <button data-copy="#id">        copies the text of #id to the clipboard;
 *                                   the button gets class "copied" for 2 s
 *   <input type="checkbox" data-toggle-target="#id">
 *                                   hides the target(s) while the box is
 *                                   CHECKED (e.g. "patient has no GP" hides
 *                                   the GP fields). Add data-toggle-invert to
 *                                   show the target(s) only while checked.
 *
 * Click/submit/change handling is delegated from `document`, so content that
 * htmx swaps in works without rebinding; per-element setup (autofocus, initial
 * toggle state) runs on page load and again on every `htmx:load`.
 */
(function () {
  "use strict";

  /* ---------- helpers ---------- */

  function within(root, selector) {
    var found = [];
    if (!root || !root.querySelectorAll) return found;
    if (root.matches && root.matches(selector)) found.push(root);
    Array.prototype.push.apply(found, root.querySelectorAll(selector));
    return found;
  }

  function targets(selector) {
    if (!selector) return [];
    try {
      return Array.prototype.slice.call(document.querySelectorAll(selector));
    } catch (e) {
      return []; /* invalid selector in a template: do nothing */
    }
  }

  /* ---------- (a) confirm before submitting ---------- */

  /* Capture phase on document runs before htmx's listeners on the element,
     so a cancelled confirm stops both normal and htmx submissions. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-confirm], input[type=submit][data-confirm]");
    if (!button || button.disabled) return;
    if (!window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
      return;
    }
    /* Confirmed: the form's own data-confirm should not ask a second time. */
    if (button.form) button.form.setAttribute("data-kanyle-confirmed", "1");
  }, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-confirm")) return;
    var submitter = event.submitter;
    /* event.submitter is missing only in old browsers; fall back to the mark
       left by the click handler. */
    var already = submitter ? submitter.hasAttribute("data-confirm")
      : form.getAttribute("data-kanyle-confirmed") === "1";
    form.removeAttribute("data-kanyle-confirmed");
    if (already) return;
    if (!window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  /* ---------- (c) copy to clipboard ---------- */

  function copyFallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  function flash(button, className) {
    button.classList.add(className);
    window.setTimeout(function () { button.classList.remove(className); }, 2000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var source = targets(button.getAttribute("data-copy"))[0];
    if (!source) return;
    event.preventDefault();
    var text = ("value" in source && source.tagName !== "BUTTON") ? source.value : source.textContent;
    text = (text || "").trim();
    var done = function () { flash(button, "copied"); };
    var failed = function () {
      if (copyFallback(text)) done(); else flash(button, "copy-failed");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, failed);
    } else {
      failed();
    }
  });

  /* ---------- (d) checkbox show/hide ---------- */

  function applyToggle(box) {
    var hide = box.hasAttribute("data-toggle-invert") ? !box.checked : box.checked;
    targets(box.getAttribute("data-toggle-target")).forEach(function (el) {
      el.hidden = hide;
    });
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box && box.matches && box.matches("input[type=checkbox][data-toggle-target]")) {
      applyToggle(box);
    }
  });

  /* ---------- per-content setup: (b) autofocus, (d) initial state ---------- */

  /* (f) Diagnosis code picker: a result button [data-code-pick="system:code"] adds a chip with a
     hidden input named "diagnoses" to #diagnosis-list (once); [data-remove-chip] removes it. */
  document.addEventListener("click", function (event) {
    var pick = event.target.closest("[data-code-pick]");
    if (pick) {
      var list = document.getElementById("diagnosis-list");
      var key = pick.getAttribute("data-code-pick");
      if (!list || list.querySelector('input[value="' + key.replace(/"/g, "") + '"]')) return;
      var chip = document.createElement("li");
      chip.className = "badge badge-info code-chip";
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "diagnoses";
      input.value = key;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn-link small";
      remove.setAttribute("data-remove-chip", "");
      remove.textContent = "\u2715";
      chip.appendChild(input);
      chip.appendChild(document.createTextNode(pick.getAttribute("data-code-label") + " "));
      chip.appendChild(remove);
      list.appendChild(chip);
      return;
    }
    var removeButton = event.target.closest("[data-remove-chip]");
    if (removeButton) removeButton.closest("li").remove();
  });

  /* Enter in the code search must search, not submit the note. */
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.id === "code-query") event.preventDefault();
  });

  var focused = typeof WeakSet === "function" ? new WeakSet() : null;

  function init(root) {
    within(root, "input[type=checkbox][data-toggle-target]").forEach(applyToggle);

    var auto = within(root, "[data-autofocus]").filter(function (el) {
      return !(focused && focused.has(el)) && !el.disabled && !el.closest("[hidden]");
    })[0];
    if (auto) {
      if (focused) focused.add(auto);
      auto.focus();
      if (auto.select && /^(text|search|email|tel|number)$/.test(auto.type || "") && auto.value) {
        auto.select();
      }
    }
  }

  /* (e) htmx fires htmx:load for the body at start-up and for every piece of
     swapped-in content; init is idempotent, so running it twice is harmless. */
  document.addEventListener("htmx:load", function (event) {
    init(event.target);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document.body); });
  } else {
    init(document.body);
  }
})();
