// A stand-in service worker for the outbox's own tests (config OUTBOX_DEV_SW) until the real
// /sw.js (templates/offline/sw.js) is merged; it does what that one does for the outbox.
try {
  importScripts("{{ url_for('static', filename='js/outbox-core.js') }}");
} catch (e) {}
if (self.gridbookOutbox) self.gridbookOutbox.install(self);

var PAGES = "outbox-dev-pages";
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });
// GETs: the network first, else the last copy (the real worker keeps per-user caches).
self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET" || new URL(req.url).origin !== self.location.origin) return;
  if (req.mode !== "navigate" && !req.destination) return;  // fetch() and htmx: not cached
  event.respondWith(fetch(req).then(function (resp) {
    if (resp.ok) {
      var copy = resp.clone();
      caches.open(PAGES).then(function (c) { c.put(req, copy); });
    }
    return resp;
  }, function (err) {
    return caches.open(PAGES).then(function (c) {
      return c.match(req, { ignoreVary: true }).then(function (hit) { if (hit) return hit; throw err; });
    });
  }));
});
