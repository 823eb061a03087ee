// The desk's "select all shown" box: without JavaScript it stays hidden and each row is
// ticked on its own; with it, the box ticks or clears every row box of the bulk form and shows
// when only some are ticked.
(function () {
  "use strict";
  var all = document.getElementById("select-all-shown");
  if (!all) return;
  var rows = Array.prototype.slice.call(
    document.querySelectorAll('input[type=checkbox][form="desk-bulk"][name="registration_ids"]')
  );
  if (!rows.length) return;

  function sync() {
    var ticked = rows.filter(function (row) { return row.checked; }).length;
    all.checked = ticked === rows.length;
    all.indeterminate = ticked > 0 && ticked < rows.length;
  }

  all.addEventListener("change", function () {
    rows.forEach(function (row) { row.checked = all.checked; });
    sync();
  });
  rows.forEach(function (row) { row.addEventListener("change", sync); });
  all.closest(".select-all").hidden = false;
  sync();
})();
