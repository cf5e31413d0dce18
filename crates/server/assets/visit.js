// Taut's visit and plan pages: the live parts. The differential follows the pain drawing, the classification
// follows the signs entered, and the plan is re-checked as it is edited: each posts its form (same origin, with
// the session cookie; the server's CSRF check reads the Fetch metadata) to an endpoint that answers with a
// server-rendered HTML fragment, which replaces the old one. Every form also works without this script.
(function () {
  "use strict";

  // Posts a form's fields to `url` and puts the answer into `target`; only the latest answer is shown.
  function live(form, url, target, delay) {
    var timer = null;
    var sent = 0;
    function send() {
      var mine = ++sent;
      target.setAttribute("aria-busy", "true");
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(new FormData(form)).toString()
      }).then(function (response) {
        if (response.redirected || response.status === 401) {
          window.location.reload();
          return null;
        }
        return response.text();
      }).then(function (html) {
        if (html !== null && mine === sent) {
          target.innerHTML = html;
        }
      }).catch(function () {
        if (mine === sent) {
          target.textContent = "The server could not be reached; the page still works with its buttons.";
        }
      }).then(function () {
        if (mine === sent) { target.removeAttribute("aria-busy"); }
      });
    }
    return function () {
      clearTimeout(timer);
      timer = setTimeout(send, delay);
    };
  }

  // The differential follows the drawing: bodymap.js edits the marks list, which is watched here.
  var drawing = document.getElementById("drawing");
  var differential = document.getElementById("differential");
  var marks = document.getElementById("marks");
  if (drawing && differential && marks && drawing.getAttribute("data-differential")) {
    var update = live(drawing, drawing.getAttribute("data-differential"), differential, 250);
    new MutationObserver(update).observe(marks, { childList: true, subtree: true, characterData: true });
    var preview = document.getElementById("preview-diff");
    if (preview) { preview.hidden = true; }
  }

  // The classification follows the signs entered.
  var finding = document.getElementById("finding-form");
  var output = document.getElementById("classification");
  if (finding && output && finding.getAttribute("data-classify")) {
    var classify = live(finding, finding.getAttribute("data-classify"), output, 100);
    finding.addEventListener("change", classify);
  }

  // The plan is re-checked as it is edited; "Add item" copies an empty row.
  var editor = document.getElementById("plan-editor");
  var check = document.getElementById("plan-check");
  if (editor && check && editor.getAttribute("data-check")) {
    var recheck = live(editor, editor.getAttribute("data-check"), check, 350);
    editor.addEventListener("change", recheck);
    editor.addEventListener("input", recheck);
    var rows = document.getElementById("plan-rows");
    var add = document.getElementById("add-row");
    if (rows && add) {
      add.hidden = false;
      add.addEventListener("click", function () {
        var all = rows.querySelectorAll("fieldset.item-row");
        var copy = all[all.length - 1].cloneNode(true);
        copy.querySelectorAll("input").forEach(function (el) { el.value = ""; });
        copy.querySelectorAll("select").forEach(function (el) { el.selectedIndex = 0; });
        copy.querySelector("legend").textContent = "Item " + (all.length + 1);
        rows.appendChild(copy);
        copy.querySelector("select").focus();
      });
    }
  }
}());
