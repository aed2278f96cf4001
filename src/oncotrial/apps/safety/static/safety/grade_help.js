// Shows the CTCAE grade descriptions of the chosen term under the grade select, and
// leaves only the grades the term allows selectable.
(function () {
  var term = document.getElementById("id_term");
  var grade = document.getElementById("id_grade");
  var help = document.getElementById("grade-help");
  if (!term || !help) return;
  var url = help.closest("form").getAttribute("data-grade-help");
  var last = null;
  function show() {
    var value = term.value.trim();
    if (value === last) return;
    last = value;
    if (!value) { help.innerHTML = ""; return; }
    fetch(url + "?term=" + encodeURIComponent(value), {credentials: "same-origin"})
      .then(function (r) { return r.text(); })
      .then(function (html) {
        if (value !== last) return;
        help.innerHTML = html;
        var box = help.querySelector("[data-grades]");
        var allowed = box ? box.getAttribute("data-grades").trim().split(/\s+/) : null;
        if (!grade) return;
        Array.prototype.forEach.call(grade.options, function (o) {
          o.disabled = !!(allowed && o.value && allowed.indexOf(o.value) < 0);
        });
      });
  }
  term.addEventListener("change", show);
  term.addEventListener("input", function () { if (term.list && Array.prototype.some.call(term.list.options, function (o) { return o.value === term.value; })) show(); });
  show();
})();
