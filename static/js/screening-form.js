// The screening form: a relative contraindication's "clear with a reason / not cleared" choice and its
// reason are asked only once it is answered "present" (the server asks for them either way).
(function () {
  "use strict";
  function wrapperOf(name) {
    var field = document.querySelector('[name="' + name + '"]');
    return field ? field.closest(".mb-3") || field.parentElement : null;
  }
  function sync(id) {
    var present = document.querySelector('input[name="ci_' + id + '"][value="present"]');
    var decisionBox = wrapperOf("ci_" + id + "_decision");
    var reasonBox = wrapperOf("ci_" + id + "_override");
    var clear = document.querySelector('input[name="ci_' + id + '_decision"][value="clear"]');
    var shown = present && present.checked;
    if (decisionBox) decisionBox.hidden = !shown;
    if (reasonBox) reasonBox.hidden = !(shown && clear && clear.checked);
  }
  var ids = {};
  document.querySelectorAll("input[data-relative-decision]").forEach(function (input) {
    ids[input.getAttribute("data-relative-decision")] = true;
  });
  Object.keys(ids).forEach(function (id) {
    var update = function () { sync(id); };
    document.querySelectorAll('input[name="ci_' + id + '"], input[name="ci_' + id + '_decision"]').forEach(function (el) {
      el.addEventListener("change", update);
    });
    update();
  });
})();
