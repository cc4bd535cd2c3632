// The district screen, live: the page arrives drawn; this opens the board's event stream and
// puts each board the server draws in place of the last, without reloading. The browser
// reconnects by itself when the stream drops; the status line says whether it is live.
(function () {
  'use strict';
  var board = document.querySelector('.scr-board');
  var live = document.getElementById('live');
  if (!board || !window.EventSource) return;
  var source = new EventSource(board.getAttribute('data-stream'));
  function status(ok) {
    live.textContent = live.getAttribute(ok ? 'data-live' : 'data-lost');
    live.classList.toggle('lost', !ok);
  }
  source.addEventListener('open', function () { status(true); });
  source.addEventListener('error', function () { status(false); });
  source.addEventListener('board', function (e) {
    var d;
    try { d = JSON.parse(e.data); } catch (_) { return; }
    board.innerHTML = d.html;
    board.setAttribute('data-seq', d.seq);
    status(true);
  });
})();
