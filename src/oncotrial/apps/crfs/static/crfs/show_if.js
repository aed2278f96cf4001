// Show and hide case report form items live, following their show_if rules.
// Rules are the protocol's: {field, op, value} or {all: [...]}, {any: [...]}, {not: rule},
// evaluated with three-valued logic (an empty value is unknown, and unknown hides).
(function () {
  "use strict";
  var form = document.getElementById("crf-form");
  if (!form) { return; }

  function valueOf(id) {
    var box = document.getElementById("field-" + id);
    if (!box || box.hidden) { return null; }
    var type = box.getAttribute("data-type");
    var inputs = box.querySelectorAll("[name='item_" + id + "']");
    if (type === "multichoice") {
      var chosen = [];
      inputs.forEach(function (i) { if (i.checked) { chosen.push(i.value); } });
      return chosen.length ? chosen : null;
    }
    if (type === "boolean") {
      var picked = null;
      inputs.forEach(function (i) { if (i.checked && i.value !== "") { picked = i.value === "true"; } });
      return picked;
    }
    var text = inputs.length ? inputs[0].value.trim() : "";
    if (text === "") { return null; }
    if (type === "integer" || type === "decimal") {
      var n = Number(text.replace(",", "."));
      return isNaN(n) ? null : n;
    }
    return text;
  }

  function same(a, b) {
    if (typeof a === "number" || typeof b === "number") { return Number(a) === Number(b); }
    return String(a) === String(b);
  }

  function condition(rule) {
    var v = valueOf(rule.field);
    if (v === null) { return null; }
    var target = rule.value;
    var list = Array.isArray(target) ? target : [target];
    if (Array.isArray(v)) {
      var overlap = list.some(function (t) { return v.indexOf(String(t)) >= 0; });
      if (rule.op === "==" || rule.op === "in") { return overlap; }
      if (rule.op === "!=" || rule.op === "not_in") { return !overlap; }
      return null;
    }
    switch (rule.op) {
      case "==": return same(v, target);
      case "!=": return !same(v, target);
      case "in": return list.some(function (t) { return same(v, t); });
      case "not_in": return !list.some(function (t) { return same(v, t); });
      case "<": return v < target;
      case "<=": return v <= target;
      case ">": return v > target;
      case ">=": return v >= target;
      case "between": return v >= list[0] && v <= list[1];
    }
    return null;
  }

  function evaluate(rule) {
    if (rule.all) {
      var all = rule.all.map(evaluate);
      if (all.indexOf(false) >= 0) { return false; }
      return all.indexOf(null) >= 0 ? null : true;
    }
    if (rule.any) {
      var any = rule.any.map(evaluate);
      if (any.indexOf(true) >= 0) { return true; }
      return any.indexOf(null) >= 0 ? null : false;
    }
    if (rule.not) {
      var inner = evaluate(rule.not);
      return inner === null ? null : !inner;
    }
    return condition(rule);
  }

  function refresh() {
    var boxes = form.querySelectorAll("[data-show-if]");
    // repeat so that items shown only after another item appears settle
    for (var round = 0; round <= boxes.length; round++) {
      var changed = false;
      boxes.forEach(function (box) {
        var hide = evaluate(JSON.parse(box.getAttribute("data-show-if"))) !== true;
        if (box.hidden !== hide) { box.hidden = hide; changed = true; }
      });
      if (!changed) { break; }
    }
  }

  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  refresh();
})();
