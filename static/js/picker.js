// Person and unit pickers (org.pickers): typing in the search box asks the server for matching people
// or units (at most 20, from those the field offers); a click, Enter or Space on a result chooses it.
// Several chosen are ticked boxes (untick to remove); one chosen replaces the last.
(function () {
  function choose(picker, value, label) {
    var chosen = picker.querySelector(".picker-chosen");
    var multiple = picker.hasAttribute("data-multiple");
    var name = picker.getAttribute("data-name");
    var existing = chosen.querySelector('input[value="' + value + '"]');
    if (existing) { existing.checked = true; return; }
    if (!multiple) chosen.querySelectorAll("label.chip").forEach(function (el) { el.remove(); });
    var none = chosen.querySelector(".picker-none");
    if (none) none.hidden = true;
    var chip = document.createElement("label");
    chip.className = "chip";
    var input = document.createElement("input");
    input.type = multiple ? "checkbox" : "radio";
    input.name = name; input.value = value; input.checked = true;
    chip.appendChild(input);
    chip.appendChild(document.createTextNode(" " + label));
    chosen.appendChild(chip);
  }

  function search(picker, box) {
    picker.typed = 0;
    var results = picker.querySelector(".picker-results");
    var query = box.value.trim();
    if (!query) { results.innerHTML = ""; picker.pickWhenAnswered = false; return; }
    var url = picker.getAttribute("data-source") + "&q=" + encodeURIComponent(query);
    var asked = ++picker.asked;
    fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : "<p class=\"error\">查找失败，请稍后再试</p>"; })
      .then(function (html) {
        if (asked !== picker.asked) return;  // an answer to what was typed before: not shown
        picker.answered = asked;
        results.innerHTML = html;
        var first = results.querySelector("button.pick");
        if (picker.pickWhenAnswered && first) pick(first);
        picker.pickWhenAnswered = false;
      })
      .catch(function () { results.innerHTML = "<p class=\"error\">查找失败，请检查网络</p>"; });
  }

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains("picker-search")) return;
    var picker = box.closest("[data-picker]");
    picker.asked = picker.asked || 0;
    picker.typed = (picker.typed || 0) + 1;  // results on screen are now for an earlier text
    clearTimeout(picker.timer);
    picker.timer = setTimeout(function () { search(picker, box); }, 200);
  });

  function pick(button) {
    var picker = button.closest("[data-picker]");
    choose(picker, button.getAttribute("data-value"), button.getAttribute("data-label"));
    var box = picker.querySelector(".picker-search");
    box.value = "";
    picker.querySelector(".picker-results").innerHTML = "";
    box.focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-picker] button.pick");
    if (button) pick(button);
  });

  document.addEventListener("keydown", function (event) {
    var el = event.target;
    var picker = el.closest && el.closest("[data-picker]");
    if (!picker) return;
    var buttons = Array.prototype.slice.call(picker.querySelectorAll("button.pick"));
    if (event.isComposing || event.keyCode === 229) return;  // Enter ends an input method's word
    if (el.classList.contains("picker-search")) {
      if (event.key === "Enter") {  // never submits the form from the search box
        event.preventDefault();
        var pending = picker.typed || (picker.asked || 0) !== (picker.answered || 0);
        if (pending) {  // the results shown are for what was typed before: wait for the new ones
          clearTimeout(picker.timer);
          picker.pickWhenAnswered = true;
          search(picker, el);
        } else if (buttons.length) pick(buttons[0]);
      } else if (event.key === "ArrowDown" && buttons.length) {
        event.preventDefault(); buttons[0].focus();
      } else if (event.key === "Escape") {
        picker.querySelector(".picker-results").innerHTML = "";
      }
    } else if (el.classList.contains("pick")) {
      var i = buttons.indexOf(el);
      if (event.key === "ArrowDown" && i < buttons.length - 1) { event.preventDefault(); buttons[i + 1].focus(); }
      if (event.key === "ArrowUp") {
        event.preventDefault();
        (i > 0 ? buttons[i - 1] : picker.querySelector(".picker-search")).focus();
      }
    }
  });
})();
