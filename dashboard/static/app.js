// newswatch dashboard: the little JavaScript there is (served from /static: CSP forbids inline script).
// The filter form drops its empty fields on submit, so shared URLs carry only the filters in use.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("filters");
  if (!form) { return; }
  form.addEventListener("submit", function () {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.value === "" ) { el.disabled = true; }
      if (el.name === "sort" && el.value === "-date") { el.disabled = true; }
      if (el.name === "view" && el.value === "matches") { el.disabled = true; }
    });
  });
  // changing a drop-down applies the filter at once
  Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
    select.addEventListener("change", function () { form.requestSubmit(); });
  });
});
