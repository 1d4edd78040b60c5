// Fills in the video's length (seconds) from the file a trainer chooses, read by the browser.
(function () {
  "use strict";
  var form = document.querySelector("[data-lesson-form]");
  if (!form) { return; }
  var file = form.querySelector("input[type=file][name=video_file]");
  var seconds = form.querySelector("input[name=video_seconds]");
  if (!file || !seconds || !window.URL) { return; }
  file.addEventListener("change", function () {
    if (!file.files || !file.files[0]) { return; }
    var probe = document.createElement("video");
    var url = URL.createObjectURL(file.files[0]);
    probe.preload = "metadata";
    probe.addEventListener("loadedmetadata", function () {
      if (isFinite(probe.duration) && probe.duration > 0) {
        seconds.value = Math.round(probe.duration);
      }
      URL.revokeObjectURL(url);
    });
    probe.src = url;
  });
})();
