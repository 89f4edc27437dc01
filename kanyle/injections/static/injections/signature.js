/* The patient's signature on screen (LAW-C): draw on the canvas in [data-signature-pad]; every stroke
   writes the drawing as a PNG data URL into the hidden input [data-signature-input], which the server
   checks (real PNG, under 200 kB). The pad is shown only when "signed by the patient on screen" is chosen. */
(function () {
  "use strict";

  function setup(pad) {
    var canvas = pad.querySelector("canvas");
    var input = pad.querySelector("[data-signature-input]");
    var clear = pad.querySelector("[data-signature-clear]");
    var form = pad.closest("form");
    if (!canvas || !input || !form) return;
    var context = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;

    function blank() {
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.strokeStyle = "#111111";
      context.lineWidth = 2.5;
      context.lineCap = "round";
      context.lineJoin = "round";
      drawn = false;
      input.value = "";
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - box.left) * canvas.width) / box.width,
        y: ((event.clientY - box.top) * canvas.height) / box.height,
      };
    }

    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var p = point(event);
      context.beginPath();
      context.moveTo(p.x, p.y);
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var p = point(event);
      context.lineTo(p.x, p.y);
      context.stroke();
      drawn = true;
      event.preventDefault();
    });
    function stop() {
      if (!drawing) return;
      drawing = false;
      if (drawn) input.value = canvas.toDataURL("image/png");
    }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    if (clear) clear.addEventListener("click", blank);

    function showForMethod() {
      var chosen = form.querySelector("input[name=method]:checked");
      pad.hidden = !chosen || chosen.value !== "signature";
    }
    form.addEventListener("change", function (event) {
      if (event.target && event.target.name === "method") showForMethod();
    });
    blank();
    showForMethod();
  }

  function init() {
    document.querySelectorAll("[data-signature-pad]").forEach(setup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
