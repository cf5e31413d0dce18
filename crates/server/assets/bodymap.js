// Taut's body map: mark pain on the SVG regions with an intensity from 0 to 10. No framework, no build step.
// Each region element carries data-region="ID" or "ID:SIDE"; the marks travel in hidden inputs named "pain"
// ("temple:right:7"), so the form works the same with or without this script for the ranking.
(function () {
  "use strict";
  var form = document.getElementById("drawing");
  if (!form) { return; }
  var list = document.getElementById("marks");
  var focusLabel = document.getElementById("focus-label");
  var painting = false;

  function intensity() {
    var checked = form.querySelector("input[name=intensity]:checked");
    return checked ? parseInt(checked.value, 10) : 5;
  }

  function shapes(key) {
    return form.querySelectorAll('[data-region="' + key + '"]');
  }

  function entry(key) {
    var items = list.querySelectorAll("li[data-key]");
    for (var i = 0; i < items.length; i++) {
      if (items[i].getAttribute("data-key") === key) { return items[i]; }
    }
    return null;
  }

  function paint(key, value) {
    shapes(key).forEach(function (el) {
      for (var i = 0; i <= 10; i++) { el.classList.remove("i" + i); }
      if (value === null) {
        el.classList.remove("pain");
        el.setAttribute("aria-pressed", "false");
      } else {
        el.classList.add("pain", "i" + value);
        el.setAttribute("aria-pressed", "true");
      }
    });
  }

  function set(key, label, value) {
    var li = entry(key);
    if (value === null) {
      if (li) { li.remove(); }
      paint(key, null);
      return;
    }
    if (!li) {
      li = document.createElement("li");
      li.setAttribute("data-key", key);
      list.appendChild(li);
    }
    li.textContent = "";
    var dot = document.createElement("span");
    dot.className = "dot i" + value;
    li.appendChild(dot);
    li.appendChild(document.createTextNode(label + ": " + value));
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "pain";
    input.value = key + ":" + value;
    li.appendChild(input);
    paint(key, value);
  }

  function current(key) {
    var li = entry(key);
    if (!li) { return null; }
    var input = li.querySelector("input");
    return input ? parseInt(input.value.split(":").pop(), 10) : null;
  }

  // A click toggles: the same intensity again clears the mark.
  function toggle(el) {
    var key = el.getAttribute("data-region");
    var value = intensity();
    set(key, el.getAttribute("data-label"), current(key) === value ? null : value);
  }

  form.addEventListener("click", function (e) {
    var el = e.target.closest("[data-region]");
    if (el) { toggle(el); }
  });
  form.addEventListener("keydown", function (e) {
    var el = e.target.closest("[data-region]");
    if (el && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      toggle(el);
    }
  });
  // Dragging across regions marks each one it passes (never clears).
  form.addEventListener("pointerdown", function (e) {
    if (e.target.closest("[data-region]")) { painting = true; }
  });
  document.addEventListener("pointerup", function () { painting = false; });
  form.addEventListener("pointerover", function (e) {
    var el = e.target.closest("[data-region]");
    if (painting && el && (e.buttons & 1)) {
      var key = el.getAttribute("data-region");
      if (current(key) !== intensity()) { set(key, el.getAttribute("data-label"), intensity()); }
    }
  });
  form.addEventListener("focusin", function (e) {
    var el = e.target.closest("[data-region]");
    if (el && focusLabel) { focusLabel.textContent = el.getAttribute("data-label"); }
  });
}());
