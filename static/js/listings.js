// Listings: poll an import job's progress and reload the page when it has finished.
(function () {
  "use strict";
  var box = document.getElementById("import-job");
  if (!box || box.getAttribute("data-finished") === "true") {
    return;
  }
  var url = box.getAttribute("data-status-url");
  function set(name, value) {
    var el = box.querySelector('[data-field="' + name + '"]');
    if (el) {
      el.textContent = value;
    }
  }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (status) {
        set("state_label", status.state_label);
        set("processed", status.processed);
        set("total", status.total);
        var bar = box.querySelector('[data-field="bar"]');
        if (bar) {
          bar.style.width = status.percent + "%";
        }
        if (status.finished) {
          // The finished page lists the imported count or every bad row.
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        set("message", box.getAttribute("data-retry-message") || "暂时无法获取进度，正在重试……");
        window.setTimeout(poll, 3000);
      });
  }
  window.setTimeout(poll, 500);
})();
