// The check-in page's live counts: ask the server every few seconds (other organisers check in too).
(function () {
  var box = document.getElementById("live-counts");
  if (!box || !window.fetch) return;
  function refresh() {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (counts) {
        if (!counts) return;
        Object.keys(counts).forEach(function (key) {
          var cell = box.querySelector('[data-count="' + key + '"]');
          if (cell) cell.textContent = counts[key];
        });
      })
      .catch(function () {});
  }
  setInterval(refresh, 5000);
})();
