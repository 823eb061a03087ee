// On a phone the course's management tabs scroll sideways: bring the open page's tab into view.
(function () {
  var current = document.querySelector('.manage-nav a[aria-current="page"]');
  var row = document.querySelector('.manage-groups');
  if (!current || !row || row.scrollWidth <= row.clientWidth) return;
  row.scrollLeft = current.offsetLeft - (row.clientWidth - current.offsetWidth) / 2;
})();
