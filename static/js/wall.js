// 值班大屏 (shifts.wall): the clock with the date and 星期, the link's state, and a safe reload.
// The clock runs on the server's time (the page says when it was drawn), so a wall PC with a wrong
// clock still shows the duty room's time. The body is swapped in whole by htmx every few seconds; no
// list grows in the page, so it runs for days. When the server stops answering (a restart) the board
// keeps what it showed and says 连接中断; once /healthz answers again the page reloads itself, taking
// any new script or style; and once a day, at a quiet moment, it reloads anyway.
(function () {
  var WEEK = ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"];
  var drawn = Date.parse(document.body.getAttribute("data-server-now"));
  var offset = isNaN(drawn) ? 0 : drawn - Date.now();
  var started = Date.now();
  var failures = 0;
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function shanghai(ms) {
    // the duty room's time is Asia/Shanghai (UTC+8) whatever the wall PC's zone
    var d = new Date(ms + 8 * 3600 * 1000);
    return {y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), wd: d.getUTCDay(),
            h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds()};
  }
  function clock() {
    var t = shanghai(Date.now() + offset);
    var time = document.getElementById("wall-time"), date = document.getElementById("wall-date");
    if (time) time.textContent = pad(t.h) + ":" + pad(t.mi) + ":" + pad(t.s);
    if (date) date.textContent = t.y + "年" + t.mo + "月" + t.d + "日 " + WEEK[t.wd];
  }
  function link(ok) {
    var el = document.getElementById("wall-link");
    if (!el) return;
    el.textContent = ok ? "在线" : "连接中断，显示的是" + (failures > 1 ? "较早" : "上次") + "的数据";
    el.className = ok ? "wall-link" : "wall-link down";
  }
  function reloadWhenUp() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", "/healthz");
    xhr.timeout = 5000;
    xhr.onload = function () { if (xhr.status === 200) window.location.reload(); };
    xhr.send();
  }
  document.addEventListener("htmx:sendError", function () { failures += 1; link(false); });
  document.addEventListener("htmx:responseError", function () { failures += 1; link(false); });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful) return;
    if (failures > 0) { window.location.reload(); return; }  // back after a restart: a fresh page
    link(true);
    var server = event.detail.xhr.getResponseHeader("Date");
    if (server) { var ms = Date.parse(server); if (!isNaN(ms)) offset = ms + 500 - Date.now(); }
  });
  setInterval(function () {
    clock();
    if (failures > 0 && failures % 2 === 0) reloadWhenUp();
    if (Date.now() - started > 24 * 3600 * 1000 && !document.querySelector(".alarm")) reloadWhenUp();
  }, 1000);
  document.addEventListener("DOMContentLoaded", clock);
})();
