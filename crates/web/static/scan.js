// The activity door: where the phone's browser can read QR codes (BarcodeDetector), a button
// opens the camera and puts the code it sees in the field, then sends the form. Elsewhere the
// code is typed or pasted: the page works without this script.
(function () {
  var button = document.getElementById('scan');
  var video = document.getElementById('scanner');
  var field = document.getElementById('check-in-code');
  if (!button || !video || !field || !('BarcodeDetector' in window) || !navigator.mediaDevices) return;
  button.hidden = false;
  button.addEventListener('click', function () {
    var detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var look = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length > 0) {
            stream.getTracks().forEach(function (t) { t.stop(); });
            video.hidden = true;
            field.value = codes[0].rawValue;
            field.form.submit();
          } else {
            requestAnimationFrame(look);
          }
        }, function () { requestAnimationFrame(look); });
      };
      look();
    });
  });
})();
