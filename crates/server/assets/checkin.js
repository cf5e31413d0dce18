// Copies a new check-in link to the clipboard. Without this script the link is still in a read-only field to
// select and copy by hand.
(function () {
  "use strict";
  var button = document.getElementById("copy-link");
  if (!button) { return; }
  var field = document.getElementById(button.getAttribute("data-copy"));
  var status = document.getElementById("copy-status");
  function done(text) { if (status) { status.textContent = text; } }
  field.addEventListener("focus", function () { field.select(); });
  button.addEventListener("click", function () {
    field.focus();
    field.select();
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(
        function () { done("Copied."); },
        function () { done("Select the link and copy it."); }
      );
    } else {
      done("Select the link and copy it.");
    }
  });
}());
