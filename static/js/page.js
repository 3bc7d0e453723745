// Small behaviours of every page, here rather than in onclick= attributes: the pages' Content Security
// Policy runs no inline script (lib.middleware.SecurityHeadersMiddleware).
document.addEventListener("click", function (event) {
  var target = event.target.closest ? event.target : null;
  if (!target) return;
  if (target.closest("[data-print]")) {
    event.preventDefault();
    window.print();
    return;
  }
  var menu = target.closest("button.menu-toggle");  // the top bar on a phone: 菜单 opens and closes it
  if (menu) {
    var bar = menu.closest(".topbar");
    var open = !bar.classList.contains("open");
    bar.classList.toggle("open", open);
    menu.setAttribute("aria-expanded", open ? "true" : "false");
    return;
  }
  var toggle = target.closest("button.toggle");  // the unit tree: ▸ closed, ▾ open
  if (toggle) toggle.textContent = toggle.textContent === "▸" ? "▾" : "▸";
});

// A form marked data-confirm="…" asks before it is sent (deleting a contact, a draft roster).
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
}, true);

// Lists read as cards on a phone: each cell of a table with a header row is labelled with its column's
// heading (data-label), which the phone's style shows before the value. Tables marked .no-cards (the
// roster's month grid, wide statistics) keep their grid and scroll sideways instead.
function labelCells(root) {
  (root || document).querySelectorAll("table:not(.no-cards):not(.month-grid)").forEach(function (table) {
    var heads = table.tHead ? Array.prototype.map.call(table.tHead.rows[0].cells, function (th) {
      return th.textContent.trim();
    }) : null;
    if (!heads || !heads.length) return;
    table.classList.add("as-cards");
    Array.prototype.forEach.call(table.tBodies, function (body) {
      var carried = [];  // per column: how many more rows a cell above still spans (rowspan)
      Array.prototype.forEach.call(body.rows, function (row) {
        var covered = carried.slice();
        carried = carried.map(function (n) { return n > 0 ? n - 1 : 0; });
        if (row.cells.length === 1) return;  // "无" spanning the table
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          while (covered[column] > 0) column++;  // the day's date spans its shifts' rows
          if (!cell.hasAttribute("data-label") && heads[column]) cell.setAttribute("data-label", heads[column]);
          var span = cell.colSpan || 1;
          for (var i = 0; cell.rowSpan > 1 && i < span; i++) carried[column + i] = cell.rowSpan - 1;
          column += span;
        });
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", function () { labelCells(document); });
document.addEventListener("htmx:afterSwap", function () { labelCells(document); });
