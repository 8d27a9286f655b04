/* tact: small helpers of the staff pages. Everything works without them; they add comfort. */
(function () {
  "use strict";

  /* A button with data-copy="#id" copies that element's text and says so for a moment. */
  function copy(button) {
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target) return;
    var text = target.textContent.trim();
    var done = function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied") || label;
      button.setAttribute("data-state", "copied");
      setTimeout(function () { button.textContent = label; button.removeAttribute("data-state"); }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { select(target); });
    } else {
      select(target);
      try { if (document.execCommand("copy")) done(); } catch (e) { /* the text stays selected */ }
    }
  }

  function select(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  /* An input with data-preview="--primary" sets that colour on the preview swatch as it changes. */
  function preview(input) {
    var swatch = document.getElementById("colour-preview");
    if (swatch && /^#[0-9a-fA-F]{6}$/.test(input.value)) {
      swatch.style.setProperty(input.getAttribute("data-preview"), input.value);
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) copy(button);
  });
  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-preview]")) preview(event.target);
  });
})();
