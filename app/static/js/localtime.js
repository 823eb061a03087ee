/*
 * Times of online activities in the browser's own time zone.
 *
 * The server writes them in the signed-in user's zone, else in UTC, and marks them for this
 * script only when the visitor has chosen no zone:
 *   <time datetime="2017-11-20T13:00:00+00:00" data-localize data-day="2017-11-20">1:00 PM</time>
 *   <p data-localize-zone="Times in your time zone ({zone}).">Times in UTC.</p>
 * Each <time> is rewritten with Intl.DateTimeFormat in the page's language (<html lang>); when
 * its date in the browser's zone differs from data-day (the day it is listed under), the date is
 * shown too. Without JavaScript, or without Intl, the server's text stays and is correct.
 * No dependencies; load it with `defer`.
 */
(function () {
  "use strict";
  if (typeof Intl === "undefined" || !Intl.DateTimeFormat) {
    return;
  }
  var zone;
  try {
    zone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone) {
    return;
  }
  var lang = document.documentElement.lang || undefined;
  var timeOnly = new Intl.DateTimeFormat(lang, { hour: "numeric", minute: "2-digit" });
  var withDay = new Intl.DateTimeFormat(lang, {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "numeric",
    minute: "2-digit",
  });

  function isoDay(when) {
    // YYYY-MM-DD of an instant in the browser's zone.
    var parts = {};
    new Intl.DateTimeFormat("en", { year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(when)
      .forEach(function (part) {
        parts[part.type] = part.value;
      });
    return parts.year + "-" + parts.month + "-" + parts.day;
  }

  var times = document.querySelectorAll("time[data-localize]");
  Array.prototype.forEach.call(times, function (element) {
    var when = new Date(element.getAttribute("datetime"));
    if (isNaN(when.getTime())) {
      return;
    }
    var day = element.getAttribute("data-day");
    var format = !day || isoDay(when) === day ? timeOnly : withDay;
    element.textContent = format.format(when);
    element.setAttribute("title", zone);
  });

  var notes = document.querySelectorAll("[data-localize-zone]");
  Array.prototype.forEach.call(notes, function (element) {
    var text = element.getAttribute("data-localize-zone");
    if (text && times.length) {
      element.textContent = text.replace("{zone}", zone);
    }
  });
})();
