// Keyboard helpers for duty officers: Ctrl+Enter (or Cmd+Enter) saves a form marked
// data-submit-on-ctrl-enter from any of its fields, textareas included.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  var form = event.target.closest && event.target.closest("form[data-submit-on-ctrl-enter]");
  if (!form) return;
  event.preventDefault();
  if (form.requestSubmit) form.requestSubmit(); else form.submit();
});

// Reporting deadlines (B21): every element with data-due counts down each second; at zero it turns into
// an alarm and the page beeps (WebAudio: no sound file to load on an intranet). The server's rows, polled
// by htmx, stay the authority; this only makes the last seconds visible between polls.
(function () {
  // a deadline beeps once per browser tab, not again on each page the person opens
  var beeped = {};
  try { beeped = JSON.parse(window.sessionStorage.getItem("zhiban-beeped") || "{}"); } catch (e) { beeped = {}; }
  function remember(key) {
    beeped[key] = true;
    try { window.sessionStorage.setItem("zhiban-beeped", JSON.stringify(beeped)); } catch (e) { /* private mode */ }
  }
  // Browsers keep a page silent until a person has clicked or typed in it: the first such gesture
  // opens the sound, and every "开启提示音" button stays visible until then.
  function audio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    return beep.ctx || (beep.ctx = new Ctx());
  }
  // until sound is possible a deadline is not marked as beeped: it sounds once the person has clicked
  function audible() {
    var ctx = beep.ctx;
    return !!ctx && ctx.state === "running";
  }
  function soundOn() {
    var ctx = audio();
    if (ctx && ctx.state === "suspended") ctx.resume();
  }
  // the hints go once the gesture is over: hidden at pointerdown, they moved the 应答 button from under
  // the pointer and the click that opened the sound was lost
  function hintsOff() {
    window.setTimeout(function () { document.documentElement.classList.add("sound-on"); }, 0);
  }
  document.addEventListener("pointerdown", soundOn, {once: true});
  document.addEventListener("click", hintsOff, {once: true});
  document.addEventListener("keydown", function () { soundOn(); hintsOff(); }, {once: true});
  function beep() {
    try {
      var ctx = audio();
      if (!ctx) return;
      var osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.2;
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.6);
    } catch (e) { /* no sound is no reason to stop the board */ }
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var left = Math.round((Date.parse(el.getAttribute("data-due")) - now) / 1000);
      if (left > 0) {
        var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
        // an hour and more is said in hours and minutes: 剩余 7 小时 52 分
        el.textContent = h ? "剩余 " + h + " 小时 " + m + " 分" : "剩余 " + m + " 分 " + (s < 10 ? "0" : "") + s + " 秒";
      } else if (el.hasAttribute("data-quiet")) {
        el.textContent = "时间已到";  // a handover time, not a deadline: no alarm
        el.removeAttribute("data-due");
      } else {
        el.textContent = "已超时";
        el.className = "badge bad alarm";
        el.setAttribute("role", "alert");
        el.setAttribute("data-key", el.getAttribute("data-due"));
        el.removeAttribute("data-due");
      }
    });
    // one beep for each deadline that passes, however often the rows are re-rendered
    // and one for each deadline that comes within its warning time (the alarm strip's countdowns)
    document.querySelectorAll(".alarm[data-key], [data-beep]").forEach(function (el) {
      var key = el.getAttribute("data-key") || el.getAttribute("data-beep");
      if (!beeped[key] && audible()) { remember(key); beep(); }
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
  // rows the poll brings in are counted down before the browser paints them: without this each
  // refresh showed "09:15前" for up to a second before the countdown came back
  document.addEventListener("htmx:afterSwap", tick);
})();

// The caller looked up by number (A1.3): the answer fills only the fields still empty when it arrives,
// so what the officer typed meanwhile is never overwritten, and the focus stays where it is. A call the
// phone exchange created arrives with its number and no caller: it is looked up as the page opens.
(function () {
  var FIELDS = ["name", "organisation", "position"];
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "caller" || !event.detail.xhr || event.detail.xhr.status !== 200) return;
    event.detail.shouldSwap = false;
    var answer = new DOMParser().parseFromString(event.detail.serverResponse, "text/html");
    var filled = false;
    FIELDS.forEach(function (name) {
      var mine = target.querySelector('[name="' + name + '"]');
      var theirs = answer.querySelector('[name="' + name + '"]');
      if (mine && theirs && !mine.value && theirs.value) { mine.value = theirs.value; filled = true; }
    });
    var status = answer.querySelector("[role=status]");
    var shown = target.querySelector("[role=status]");
    if (shown) shown.remove();
    if (filled && status) target.insertBefore(status, target.firstChild);
  });
  document.addEventListener("DOMContentLoaded", function () {
    var number = document.getElementById("id_number");
    var caller = document.getElementById("caller");
    if (!number || !caller || !number.value || !window.htmx) return;
    var empty = FIELDS.every(function (name) {
      var field = caller.querySelector('[name="' + name + '"]');
      return !field || !field.value;
    });
    if (empty) window.htmx.trigger(number, "change");
  });
})();

// A form that came back with errors: the first field in error is brought into view and focused, so a
// person far down a long page (or on a phone) sees at once what to fix.
document.addEventListener("DOMContentLoaded", function () {
  var first = document.querySelector(".field.has-error, .errors");
  if (!first) return;
  first.scrollIntoView({block: "center"});
  var input = first.querySelector("input, select, textarea");
  if (input) input.focus({preventScroll: true});
});
