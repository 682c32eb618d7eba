// Deal page: the close reason matters only when the new stage is "closed".
(function () {
  "use strict";
  function sync() {
    var stage = document.getElementById("stage");
    if (!stage) return;
    document.querySelectorAll("[data-close-only]").forEach(function (el) {
      el.hidden = stage.value !== "closed";
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "stage") sync();
  });
  document.addEventListener("DOMContentLoaded", sync);
})();
