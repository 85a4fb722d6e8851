// The signature box of the clinic's tablet page: draw with a finger, a stylus or a mouse; on submit
// the drawing goes into the hidden "signature" field as a PNG data URL (nothing drawn: left empty,
// so a typed name and a tick can sign instead). No inline script: the CSP forbids it.
(function () {
  "use strict";
  var canvas = document.querySelector("[data-signature-canvas]");
  var input = document.querySelector("[data-signature-input]");
  var form = document.getElementById("consent-sign-form");
  if (!canvas || !input || !form) { return; }
  var ctx = canvas.getContext("2d");
  var drawing = false, drawn = false, last = null;

  function setUp() {
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#000";
  }
  function point(event) {
    var rect = canvas.getBoundingClientRect();
    return {
      x: (event.clientX - rect.left) * (canvas.width / rect.width),
      y: (event.clientY - rect.top) * (canvas.height / rect.height)
    };
  }
  canvas.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    drawing = true;
    last = point(event);
    ctx.beginPath();
    ctx.arc(last.x, last.y, 1.5, 0, 2 * Math.PI);
    ctx.fill();
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) { return; }
    event.preventDefault();
    var p = point(event);
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
    drawn = true;
  });
  function stop() { drawing = false; }
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  canvas.addEventListener("pointerleave", stop);

  var clear = document.querySelector("[data-signature-clear]");
  if (clear) {
    clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
      input.value = "";
    });
  }
  form.addEventListener("submit", function () {
    input.value = drawn ? canvas.toDataURL("image/png") : "";
  });
  setUp();
})();
