// Check-in with the camera (events room): the badge's QR code is read by ZXing (@zxing/browser,
// vendored by scripts/build-assets.mjs), its text put into the token field and the form sent, as
// a handheld scanner would. Without a camera, without permission, or without the library, the
// button stays hidden or says why, and the token is typed: the form works the same.
(function () {
  "use strict";
  var form = document.querySelector("form.checkin-form");
  var button = document.getElementById("checkin-camera");
  var video = document.getElementById("checkin-video");
  var status = document.getElementById("checkin-camera-status");
  if (!form || !button || !video || !status) return;
  var field = form.querySelector("input[name=token]");
  var media = navigator.mediaDevices;
  if (!window.ZXingBrowser || !media || typeof media.getUserMedia !== "function") return;
  var controls = null;

  function stop() {
    if (controls) controls.stop();
    controls = null;
    video.hidden = true;
    button.textContent = button.dataset.start;
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    if (controls) { stop(); return; }
    var reader = new window.ZXingBrowser.BrowserQRCodeReader();
    status.textContent = "";
    video.hidden = false;
    button.textContent = button.dataset.stop;
    reader.decodeFromConstraints({ video: { facingMode: "environment" } }, video, function (result, _error, ctl) {
      if (!result) return;
      ctl.stop();
      controls = null;
      field.value = result.getText();
      form.submit();
    }).then(function (ctl) { controls = ctl; }).catch(function () {
      stop();
      status.textContent = button.dataset.denied;
      field.focus();
    });
  });
})();
