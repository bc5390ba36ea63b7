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

  // Finishing with items left: online the server asks what to do with them (finish.html);
  // here the phone asks, or the queued finish would come back refused.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.matches || !form.matches("#finish-screening[data-unanswered]")) return;
    if (form.querySelector("input[name=remaining]") || document.querySelector("#remaining-ok.outbox-pending")) return;
    var left = document.querySelectorAll("li.checklist-item:not(.outbox-pending)").length;
    if (!left) return;
    if (!window.confirm(form.getAttribute("data-unanswered").replace("{n}", left))) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
      return;
    }
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "remaining";
    input.value = "na";
    form.appendChild(input);
  }, true);
})();
