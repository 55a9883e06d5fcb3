// phananh console: the little the pages need beyond HTML. Served from /console/static so the
// Content-Security-Policy can forbid inline scripts.
(function () {
  'use strict';

  // A form that ends or refuses something (data-confirm: reject, mark as duplicate, deny an
  // extension) asks first; cancelling sends nothing. Registered in the capture phase so that
  // it runs before, and stops, the handlers below.
  document.addEventListener('submit', function (e) {
    var ask = e.target.getAttribute('data-confirm');
    if (ask && !window.confirm(ask)) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);

  // A form sends once: its buttons are disabled after submit, so a double click cannot send the
  // same action twice (the second would be refused as a version conflict anyway).
  document.addEventListener('submit', function (e) {
    var form = e.target;
    window.setTimeout(function () {
      form.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
    }, 0);
  });

  // A canned reply picked in an action form fills in the form's note (the official may still
  // edit it before sending).
  document.addEventListener('change', function (e) {
    if (!e.target.classList || !e.target.classList.contains('reply-pick') || !e.target.value) { return; }
    var note = e.target.form && e.target.form.querySelector('textarea[name=note]');
    if (note) { note.value = e.target.value; note.focus(); }
  });

  // Result photos are shrunk in the browser (longer side 1600 px, JPEG) before they are sent,
  // so a form of phone photos stays within the server's body limit; the server makes its own
  // renditions from them. Without this script the form still posts the files as they are.
  var resolveForm = document.getElementById('form-resolve');
  if (resolveForm && window.fetch && window.FormData && window.createImageBitmap) {
    resolveForm.addEventListener('submit', function (e) {
      var input = resolveForm.querySelector('input[type=file]');
      if (!input || input.files.length === 0) { return; }
      e.preventDefault();
      var data = new FormData(resolveForm);
      data.delete('photos');
      Promise.all(Array.prototype.map.call(input.files, shrink))
        .then(function (blobs) {
          blobs.forEach(function (b, i) { data.append('photos', b, 'photo-' + (i + 1) + '.jpg'); });
          // getAttribute: the form's hidden input named "action" shadows the .action property.
          return fetch(resolveForm.getAttribute('action'), { method: 'POST', body: data, credentials: 'same-origin' });
        })
        .then(function (r) {
          if (r.redirected) { window.location.assign(r.url); return null; }
          return r.text().then(function (html) { document.open(); document.write(html); document.close(); });
        })
        .catch(function () {
          resolveForm.querySelectorAll('button').forEach(function (b) { b.disabled = false; });
        });
    });
  }

  function shrink(file) {
    return createImageBitmap(file).then(function (bmp) {
      var scale = Math.min(1, 1600 / Math.max(bmp.width, bmp.height));
      var canvas = document.createElement('canvas');
      canvas.width = Math.round(bmp.width * scale);
      canvas.height = Math.round(bmp.height * scale);
      canvas.getContext('2d').drawImage(bmp, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (b) { resolve(b || file); }, 'image/jpeg', 0.85);
      });
    }).catch(function () { return file; }); // not decodable here: send it as is, the server explains
  }

  // redraw replaces the element with the given id by the same element of a fresh copy of the
  // page. If the answer is not that page (the session ended), the whole page reloads and shows
  // the sign-in page.
  // Boxes the official ticked stay ticked when their row is unchanged (same ticket and version).
  function redraw(id) {
    return fetch(window.location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(new Error(String(r.status))); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById(id);
        if (!fresh) { window.location.reload(); return; }
        var ticked = Array.prototype.map.call(document.querySelectorAll('#' + id + ' input[type=checkbox]:checked'),
          function (b) { return b.value; });
        document.getElementById(id).replaceWith(document.importNode(fresh, true));
        document.querySelectorAll('#' + id + ' input[type=checkbox]').forEach(function (b) {
          if (ticked.indexOf(b.value) >= 0) { b.checked = true; }
        });
      });
  }

  // The IOC dashboard refreshes its figures in place every data-refresh seconds.
  var every = parseInt(document.body.getAttribute('data-refresh') || '0', 10);
  if (every > 0 && document.getElementById('dash')) {
    window.setInterval(function () {
      redraw('dash').catch(function () { /* keep the last figures; try again at the next tick */ });
    }, every * 1000);
  }

  // The queue redraws itself when a ticket of the official's queue arrives or changes: the
  // server's event stream (/console/queue/events) says which, and a burst of changes makes one
  // redraw. EventSource reconnects by itself, resuming from the last event id. An official of a
  // unit can also have a desktop notification for each new report.
  var live = document.getElementById('live');
  if (live && window.EventSource) {
    var timer = null;
    var later = function () {
      if (timer === null) {
        timer = window.setTimeout(function () {
          timer = null;
          redraw('queue-results').catch(function () { /* the next event tries again */ });
        }, 300);
      }
    };
    var title = live.getAttribute('data-notify');
    var button = document.getElementById('notify-on');
    if (title && button && window.Notification && Notification.permission === 'default') {
      button.hidden = false;
      button.addEventListener('click', function () {
        Notification.requestPermission().then(function () { button.hidden = true; });
      });
    }
    var source = new EventSource(live.getAttribute('data-events'));
    source.addEventListener('open', function () { live.setAttribute('data-state', 'open'); });
    source.addEventListener('ticket', function (e) {
      later();
      var d = JSON.parse(e.data);
      if (title && d.action === 'submit' && window.Notification && Notification.permission === 'granted') {
        var n = new Notification(title, { body: d.code, tag: d.ticket_id });
        n.onclick = function () { window.focus(); window.location.assign('/console/tickets/' + encodeURIComponent(d.ticket_id)); };
      }
    });
    source.addEventListener('reset', later);
  }
})();
