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

// Triage from the keyboard: on the matches list j/k select a row, o (or Enter) opens it,
// and a state's key (data-key on its button: r, n, d, u) sets it; on an article page the
// same keys set its state. Keys typed into a form field are left alone.
document.addEventListener("DOMContentLoaded", function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll("#matches tbody tr[data-article]"));
  var selected = -1;
  function select(i) {
    if (!rows.length) { return; }
    i = Math.max(0, Math.min(rows.length - 1, i));
    if (selected >= 0) { rows[selected].classList.remove("selected"); }
    selected = i;
    rows[i].classList.add("selected");
    rows[i].scrollIntoView({block: "nearest"});
  }
  rows.forEach(function (row, i) {
    row.addEventListener("click", function () { select(i); });
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) { return; }
    var key = event.key;
    if (rows.length) {
      if (key === "j") { select(selected + 1); event.preventDefault(); return; }
      if (key === "k") { select(selected - 1); event.preventDefault(); return; }
      if (selected < 0) { return; }
      if (key === "o" || key === "Enter") {
        var link = rows[selected].querySelector("a.title");
        if (link) { event.preventDefault(); window.location.href = link.href; }
        return;
      }
    }
    var scope = rows.length ? rows[selected] : document.getElementById("triage-form");
    if (!scope) { return; }
    var button = scope.querySelector("button[data-key='" + key.replace(/[^a-z]/g, "") + "']:not([disabled])");
    if (button && key.length === 1) { event.preventDefault(); button.click(); }
  });
});

// Facet counts: fetched from /api/facets (the same filter) once the list is shown, so a
// slow count never delays the page; each option then reads "Le360 (12)": how many
// matched articles choosing it would show under the other filters.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("filters");
  if (!form || !form.dataset.facets || !window.fetch) { return; }
  fetch(form.dataset.facets, {credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (facets) {
      if (!facets) { return; }
      Array.prototype.forEach.call(form.querySelectorAll("select[data-facet]"), function (select) {
        var counts = facets[select.dataset.facet] || {};
        Array.prototype.forEach.call(select.options, function (option) {
          if (option.dataset.label !== undefined) {
            option.textContent = option.dataset.label + " (" + (counts[option.value] || 0) + ")";
          }
        });
      });
      form.classList.add("facets-loaded");
    })
    .catch(function () { /* counts are a convenience: the filters work without them */ });
});
