/* tact: the approval queue's "select all". The page works without it. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (!all) return;
    var group = all.getAttribute("data-select-all");
    document.querySelectorAll('input[data-bulk="' + group + '"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });
})();
