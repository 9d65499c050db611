// persist ui: live updates. The server sends `change` when the store's live state changes;
// a page with a [data-live] element fetches that part again and swaps it in, without a reload.
(function () {
  'use strict';
  var banner = document.getElementById('banner');
  var live = document.querySelector('[data-live]');
  function say(text) { banner.textContent = text; banner.hidden = !text; }
  var events = new EventSource('/api/events');
  events.addEventListener('change', function () {
    if (!live) { return; }
    fetch(live.dataset.live, { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        live.innerHTML = html;
        live.dataset.updated = String(Date.now());
      })
      .catch(function () { /* the next event tries again */ });
  });
  events.addEventListener('store-error', function (e) {
    say('The store is unreachable: ' + e.data + ' (retrying; this page updates when it answers)');
  });
  events.addEventListener('store-ok', function () { say(''); });
  events.onerror = function () { say('The persist ui server does not answer; reconnecting…'); };
  events.onopen = function () { say(''); };
})();
