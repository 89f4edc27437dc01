/*
 * Kanyle – the needle-treatment body chart. No dependencies; htmx is used when present.
 *
 *   <div data-bodychart data-form="place-form"> … <ellipse data-region="upper_trapezius"
 *        data-side="left" data-cx="…" data-cy="…" tabindex="0" role="button" aria-label="…">
 *
 * A click on a region (or Enter / Space on a focused one) fills the form named by data-form
 * (region, side and the point, in the figure's own SVG units) and submits it; with htmx the
 * server answers with the new work area, and focus goes back to the same region so a keyboard
 * user can go on. A 400 answer (e.g. an intensity of 500 mA) is shown in place as well.
 */
(function () {
  "use strict";

  var lastRegionId = null;

  function figurePoint(region, event) {
    var figure = region.closest("[data-view]");
    var svg = region.ownerSVGElement;
    if (!figure || !svg || !svg.createSVGPoint || !figure.getScreenCTM()) return null;
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var local = point.matrixTransform(figure.getScreenCTM().inverse());
    return { x: Math.round(local.x), y: Math.round(local.y) };
  }

  function place(region, event) {
    var chart = region.closest("[data-bodychart]");
    if (!chart) return;
    var form = document.getElementById(chart.getAttribute("data-form"));
    if (!form) return;
    var point = event ? figurePoint(region, event) : null;
    form.elements.region.value = region.getAttribute("data-region");
    form.elements.side.value = region.getAttribute("data-side");
    form.elements.x.value = point ? point.x : region.getAttribute("data-cx");
    form.elements.y.value = point ? point.y : region.getAttribute("data-cy");
    lastRegionId = region.id;
    /* Straight through htmx: a form swapped in a moment ago may not be wired up by htmx yet. */
    if (window.htmx && form.hasAttribute("hx-post")) {
      window.htmx.ajax("POST", form.getAttribute("hx-post"), {
        source: form,
        target: form.getAttribute("hx-target") || form,
        swap: form.getAttribute("hx-swap") || "outerHTML"
      });
    } else if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  document.addEventListener("click", function (event) {
    var region = event.target.closest && event.target.closest("[data-bodychart] [data-region]");
    if (!region) return;
    event.preventDefault();
    place(region, event.clientX || event.clientY ? event : null);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " " && event.key !== "Spacebar") return;
    var region = event.target.closest && event.target.closest("[data-bodychart] [data-region]");
    if (!region) return;
    event.preventDefault();
    place(region, null);
  });

  /* A list choice clears the clicked point, so the server puts the site in the region's middle. */
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.form || !field.form.querySelector("[name=x]")) return;
    if (field.name === "region" || field.name === "side") {
      field.form.elements.x.value = "";
      field.form.elements.y.value = "";
    }
  });

  /* Show the work area with the server's message for a refused action (400) as well. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (event.detail.xhr.status === 400 && target && target.id === "session-work") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  /* Keep the keyboard user's place on the chart after the work area is replaced. htmx gives focus
     back to an element with the same id itself; this only helps when focus was lost on the way,
     and never takes it from where the user has moved on to. */
  document.addEventListener("htmx:afterSettle", function () {
    var id = lastRegionId;
    lastRegionId = null;
    if (!id || (document.activeElement && document.activeElement !== document.body)) return;
    var region = document.getElementById(id);
    if (region && typeof region.focus === "function") region.focus();
  });
})();
