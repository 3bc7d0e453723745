// Keyboard helpers for duty officers: Ctrl+Enter (or Cmd+Enter) saves a form marked
// data-submit-on-ctrl-enter from any of its fields, textareas included.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  var form = event.target.closest && event.target.closest("form[data-submit-on-ctrl-enter]");
  if (!form) return;
  event.preventDefault();
  if (form.requestSubmit) form.requestSubmit(); else form.submit();
});
