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
  var toggle = target.closest("button.toggle");  // the unit tree: ▸ closed, ▾ open
  if (toggle) toggle.textContent = toggle.textContent === "▸" ? "▾" : "▸";
});

// A form marked data-confirm="…" asks before it is sent (deleting a contact, a draft roster).
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
}, true);
