/* Portal behaviour, loaded as a file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  // <select data-autosubmit> submits its form on change (a <noscript> button covers no-JS).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });

  // Phones show each table row as a card (static/css/portal.css): every cell is labelled with
  // its column heading, copied here from the <thead> so no template has to repeat it.
  document.querySelectorAll("table.data-table").forEach(function (table) {
    var headRows = table.tHead ? table.tHead.rows : [];
    if (!headRows.length) {
      return;
    }
    var headings = [];
    Array.prototype.forEach.call(headRows[headRows.length - 1].cells, function (cell) {
      for (var span = 0; span < (cell.colSpan || 1); span += 1) {
        headings.push(cell.textContent.trim());
      }
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          // A cell spanning columns ("no rows yet") has no single heading.
          if (cell.colSpan === 1 && !cell.hasAttribute("data-label") && headings[column]) {
            cell.setAttribute("data-label", headings[column]);
          }
          column += cell.colSpan || 1;
        });
      });
    });
  });

  // Idle sign-out notice: the server ends a session after data-idle-seconds without a
  // request; warn data-idle-warning-seconds before, and "继续使用" counts as activity.
  var notice = document.getElementById("idle-notice");
  var idleSeconds = parseInt(document.body.dataset.idleSeconds, 10);
  if (!notice || !idleSeconds) {
    return;
  }
  var warningSeconds = parseInt(document.body.dataset.idleWarningSeconds, 10) || 300;
  var warnTimer = null;
  var expireTimer = null;

  function reloadPage() {
    // A GET of the same address: the server now answers as signed out and says why.
    window.location.assign(window.location.href);
  }

  function schedule(seconds) {
    window.clearTimeout(warnTimer);
    window.clearTimeout(expireTimer);
    notice.hidden = true;
    warnTimer = window.setTimeout(function () {
      notice.hidden = false;
      notice.querySelector("button").focus();
    }, Math.max(seconds - warningSeconds, 0) * 1000);
    expireTimer = window.setTimeout(reloadPage, (seconds + 2) * 1000);
  }

  notice.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(notice.action, {
      method: "POST",
      body: new FormData(notice),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          reloadPage();
          return null;
        }
        return response.json();
      })
      .then(function (data) {
        if (data) {
          schedule(data.idle_seconds);
        }
      })
      .catch(reloadPage);
  });

  schedule(idleSeconds);
})();
