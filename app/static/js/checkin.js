/* The check-in page's camera scanner: frames of the phone's camera are read by jsQR (shipped in
   static/vendor/jsqr) until a QR code is found; its text goes into the code field and the form
   is sent, exactly as if it had been typed. Without a camera, or without JavaScript, the page
   works by typing the code or searching the name. After a scan the page comes back with the
   answer and, if the camera was on, turns it on again for the next person. */
(function () {
  "use strict";
  var box = document.querySelector(".checkin-camera");
  var form = document.querySelector(".checkin-code-form");
  if (!box || !form || !window.jsQR || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  var KEY = "atelier-checkin-camera";
  var start = box.querySelector("[data-scan-start]");
  var stop = box.querySelector("[data-scan-stop]");
  var video = box.querySelector("video");
  var status = box.querySelector("[data-scan-status]");
  var input = form.querySelector("input[name=code]");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  box.hidden = false;

  function turnOff() {
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
  }

  function look() {
    if (!stream) {
      return;
    }
    if (video.readyState >= video.HAVE_ENOUGH_DATA && video.videoWidth) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var frame = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(frame.data, frame.width, frame.height, { inversionAttempts: "dontInvert" });
      if (found && found.data) {
        input.value = found.data.trim();
        turnOff();
        form.requestSubmit ? form.requestSubmit() : form.submit();
        return;
      }
    }
    window.requestAnimationFrame(look);
  }

  function turnOn() {
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (found) {
        stream = found;
        video.srcObject = stream;
        video.hidden = false;
        stop.hidden = false;
        start.hidden = true;
        status.textContent = status.dataset.textLooking;
        sessionStorage.setItem(KEY, "on");
        return video.play();
      })
      .then(function () { window.requestAnimationFrame(look); })
      .catch(function () {
        turnOff();
        sessionStorage.removeItem(KEY);
        status.textContent = status.dataset.textDenied;
      });
  }

  start.addEventListener("click", turnOn);
  stop.addEventListener("click", function () {
    sessionStorage.removeItem(KEY);
    status.textContent = "";
    turnOff();
  });
  if (sessionStorage.getItem(KEY) === "on") {
    turnOn();
  }
})();
