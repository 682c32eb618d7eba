// Site-wide behaviour without inline scripts (the CSP forbids them).
(function () {
  "use strict";
  // Ask before destructive actions: forms carry data-confirm="message".
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // Show or hide parts of a form that depend on a radio choice: data-show-when="name=value".
  function syncDependent() {
    document.querySelectorAll("[data-show-when]").forEach(function (el) {
      var rule = el.getAttribute("data-show-when").split("=");
      var checked = document.querySelector('input[name="' + rule[0] + '"]:checked');
      el.hidden = !(checked && checked.value === rule[1]);
    });
  }
  document.addEventListener("change", syncDependent);
  document.addEventListener("DOMContentLoaded", syncDependent);
  // Filters that apply at once: a select with data-autosubmit submits its form when changed.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.submit();
    }
  });
  // Width of progress bars from data-width, since inline style attributes are avoided.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-width]").forEach(function (el) {
      el.style.width = el.getAttribute("data-width") + "%";
    });
  });
})();
