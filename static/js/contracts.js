// Contract pages: repeatable deduction rows and the print button (no inline script under the CSP).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-deduction]");
    if (add) {
      var rows = document.querySelectorAll("#deductions .deduction-row");
      var last = rows[rows.length - 1];
      if (!last || rows.length >= 50) {
        return;
      }
      var index = rows.length;
      var copy = last.cloneNode(true);
      copy.querySelectorAll("input, select, label").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) {
            el.setAttribute(attr, value.replace(/deductions-\d+-/, "deductions-" + index + "-"));
          }
        });
        if (el.tagName === "INPUT") {
          el.value = "";
        } else if (el.tagName === "SELECT") {
          el.selectedIndex = 0;
        }
        el.classList.remove("is-invalid");
      });
      copy.querySelectorAll(".invalid-feedback").forEach(function (el) {
        el.remove();
      });
      last.parentNode.appendChild(copy);
    }
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
})();

// The unit shown beside every amount follows the unit chosen for the form.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var radio = event.target.closest("input[name='unit']");
    if (!radio) {
      return;
    }
    // The radio's own label names the unit in the page's language.
    var own = radio.id ? document.querySelector("label[for='" + radio.id + "']") : null;
    var label = own ? own.textContent.trim() : radio.value;
    document.querySelectorAll("[data-unit-label]").forEach(function (el) {
      el.textContent = label;
    });
  });
})();
