// Copy buttons: <button data-copy="ID" hidden> copies the text of the element with that id.
// The buttons stay hidden without JavaScript or a clipboard (the text can still be selected).
// What they say after a click comes from the page, in its language: data-copied, data-copy-failed.
(function () {
  "use strict";
  if (!navigator.clipboard) {
    return;
  }
  function show() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", show);
  document.addEventListener("htmx:afterSettle", show);
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    var source = button && document.getElementById(button.dataset.copy);
    if (!source) {
      return;
    }
    var label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      button.textContent = button.dataset.copied || "Copied";
    }, function () {
      button.textContent = button.dataset.copyFailed || "Select it and copy it by hand";
    }).then(function () {
      window.setTimeout(function () { button.textContent = label; }, 2000);
    });
  });
}());
