// The blank checklist the phone keeps (screening/show.html, blank): the service worker shows
// it for /screening/u/<uuid>?template=<id>, a checklist started without signal. Its forms are
// rendered for no screening in particular; the UUID in the address is the one the phone gave
// the visit (or the start) it queued, which the server gives the screening it makes. Runs
// before htmx reads the page (deferred, after htmx.min.js), so htmx sends to the real address.
(function () {
  "use strict";

  var note = document.querySelector("[data-blank-checklist]");
  var found = /^\/screening\/u\/([0-9a-fA-F-]{36})$/.exec(location.pathname);
  if (!note || !found) return;
  var placeholder = note.getAttribute("data-blank-checklist");
  ["action", "hx-post", "data-hazard-url"].forEach(function (attr) {
    document.querySelectorAll("[" + attr + "*='" + placeholder + "']").forEach(function (el) {
      el.setAttribute(attr, el.getAttribute(attr).replace(placeholder, found[1]));
    });
  });
})();
