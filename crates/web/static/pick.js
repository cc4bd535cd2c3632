// Choosing the place on the report page's map. Without this script every compound and
// building on the map is a link that reloads the page with that place chosen; with it, a tap
// chooses the place in the form and stays on the page, so nothing typed is lost. A compound
// tapped is also zoomed to, so that its buildings are big enough to tap on a phone.
(function () {
  'use strict';
  var box = document.querySelector('.pickmap');
  var select = document.getElementById('place');
  if (!box || !select) return;
  var svg = box.querySelector('svg');
  var whole = box.getAttribute('data-whole') || '0 0 600 400';

  function placeOf(a) {
    var m = /[?&]place=([^&#]*)/.exec(a.getAttribute('href') || '');
    return m ? decodeURIComponent(m[1]) : null;
  }

  function optionFor(code) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === code) return select.options[i];
    }
    return null;
  }

  function mark(code) {
    var links = box.querySelectorAll('a');
    for (var i = 0; i < links.length; i++) {
      links[i].classList.toggle('chosen', placeOf(links[i]) === code);
    }
  }

  function zoomTo(a) {
    var shape = a.querySelector('path');
    if (!svg || !shape || !shape.getBBox) return;
    var b = shape.getBBox();
    var w = Math.max(b.width, b.height * 1.5) * 1.15;
    var h = w / 1.5;
    svg.setAttribute('viewBox', [b.x + b.width / 2 - w / 2, b.y + b.height / 2 - h / 2, w, h].join(' '));
    box.classList.add('js-zoomed');
  }

  box.addEventListener('click', function (e) {
    var a = e.target.closest ? e.target.closest('a') : null;
    if (!a) return;
    if (a.classList.contains('whole')) {
      e.preventDefault();
      if (svg) svg.setAttribute('viewBox', whole);
      box.classList.remove('js-zoomed', 'zoomed');
      return;
    }
    var code = placeOf(a);
    var option = code && optionFor(code);
    if (!option) return;
    e.preventDefault();
    select.value = code;
    mark(code);
    if (option.hasAttribute('data-compound')) zoomTo(a);
    var said = document.getElementById('place-chosen');
    if (said) said.textContent = option.textContent;
  });

  select.addEventListener('change', function () {
    mark(select.value);
  });
})();
