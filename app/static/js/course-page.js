// The course page on a phone, once scripts run: the timetable one day at a time (the day
// list's links choose it; without this script they jump to the day), and the registration
// bar hidden while the registration box itself is on screen.
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 40rem)");

  var nav = document.querySelector(".day-nav");
  if (nav) {
    var links = Array.prototype.slice.call(nav.querySelectorAll("a[data-day]"));
    var sections = links.map(function (link) {
      var heading = document.getElementById(link.getAttribute("href").slice(1));
      return heading ? heading.closest("section.day") : null;
    });
    var days = links.map(function (link) { return link.getAttribute("data-day"); });
    var show = function (index) {
      links.forEach(function (link, i) {
        var chosen = narrow.matches && i === index;
        if (chosen) link.setAttribute("aria-current", "true");
        else link.removeAttribute("aria-current");
        if (sections[i]) sections[i].hidden = narrow.matches && i !== index;
      });
    };
    // The day in the address, else today if the timetable has it, else the first day.
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var today = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
    var current = days.indexOf(window.location.hash.replace("#timetable-", ""));
    if (current < 0) current = Math.max(days.indexOf(today), 0);
    links.forEach(function (link, i) {
      link.addEventListener("click", function (event) {
        if (!narrow.matches) return;
        event.preventDefault();
        current = i;
        show(i);
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", link.getAttribute("href"));
        }
      });
    });
    narrow.addEventListener("change", function () { show(current); });
    show(current);
  }

  var bar = document.getElementById("register-bar");
  var box = document.querySelector(".course-register");
  if (bar && box && "IntersectionObserver" in window) {
    new IntersectionObserver(function (entries) {
      bar.classList.toggle("is-hidden", entries[0].isIntersecting);
    }).observe(box);
  }
})();
