// Work without signal, the page's side: registers the service worker (/sw.js, scope /),
// says plainly when a page comes from the phone, searches the kept caseload, starts the
// caseload warm-up after login and clears the kept pages at logout. Without a service
// worker (first visit, old browser, no JavaScript) every page works as before.
(function () {
  "use strict";

  var body = document.body;
  var key = body.getAttribute("data-user");  // null on a page without it (offline fallback)

  // When a kept page was fetched, in the page's language: its time alone if that was today,
  // else its date too (pages are kept for days: "as of 17:25" would pass for today's).
  function keptAt(ms) {
    var lang = document.documentElement.lang || undefined;
    var d = new Date(ms);
    var today = new Date().toDateString() === d.toDateString();
    var style = today ? { timeStyle: "short" } : { dateStyle: "medium", timeStyle: "short" };
    return new Intl.DateTimeFormat(lang, style).format(d);
  }

  // Today says whether the caseload is on the phone yet (the walk: a worker who went out of
  // signal a few seconds after login found nothing kept, and nothing had said to wait).
  function sayKept(which, at) {
    var line = document.getElementById("offline-ready");
    var text = line && line.getAttribute(which);
    if (!text) return;
    line.textContent = at ? text.replace("{time}", keptAt(Number(at))) : text;
    line.hidden = false;
  }

  function showBanner(at) {
    var banner = document.getElementById("offline-banner");
    if (!banner || !at) return;
    var text = body.getAttribute("data-msg-offline-as-of") || "Offline, as of {time}";
    banner.textContent = text.replace("{time}", keptAt(Number(at)));
    banner.hidden = false;
  }

  // A form kept on the phone carries the client UUID it was rendered with: each use of it
  // must send a new one, or two visits recorded from it would be taken for one. Only forms
  // that just arrived from the phone's cache get one; a form already on the page keeps its
  // own (a retry must send the same UUID).
  function freshKeys(fresh) {
    var inputs = document.querySelectorAll("input[name=client_uuid]:not([data-key-seen])");
    for (var i = 0; i < inputs.length; i++) {
      if (fresh && window.crypto && window.crypto.randomUUID) {
        inputs[i].value = window.crypto.randomUUID();
      }
      inputs[i].setAttribute("data-key-seen", "");
    }
  }

  var offlineAt = body.getAttribute("data-offline-at");
  if (offlineAt) {
    showBanner(offlineAt);
  }
  freshKeys(Boolean(offlineAt));

  // A fragment (the visit form, search results) answered from the phone.
  body.addEventListener("htmx:afterRequest", function (evt) {
    var xhr = evt.detail.xhr;
    var at = xhr && xhr.getResponseHeader("X-Gridbook-Offline-At");
    if (at) showBanner(at);
  });
  body.addEventListener("htmx:afterSwap", function (evt) {
    var xhr = evt.detail.xhr;
    freshKeys(Boolean(xhr && xhr.getResponseHeader("X-Gridbook-Offline-At")));
  });

  // The caseload list opened without signal for a search (?q=...): the service worker gave
  // the list as kept; ask it for the results, which it finds in the kept caseload.
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("resident-search");
    if (!offlineAt || !form || !window.htmx || !location.search) return;
    var params = new URLSearchParams(location.search);
    var q = document.getElementById("q");
    var care = document.getElementById("care");
    if (q && params.get("q")) q.value = params.get("q");
    if (care && params.get("care")) care.value = params.get("care");
    window.htmx.ajax("GET", form.getAttribute("action") + location.search, {
      target: "#resident-rows", swap: "outerHTML"
    });
  });

  // After a logout the sign-in page drops the HTTP cache behind it (Clear-Site-Data on this
  // answer): in the logout's own answer it held the logout for as long as the browser took.
  var forget = document.getElementById("forget-cache");
  if (forget) {
    fetch(forget.getAttribute("data-forget-cache"), { credentials: "same-origin", cache: "no-store" })
      .then(function () { forget.setAttribute("data-forgotten", ""); }, function () {});
  }

  if (!("serviceWorker" in navigator) || !body.getAttribute("data-sw")) return;

  navigator.serviceWorker.register(body.getAttribute("data-sw"), { scope: "/" }).catch(function () {
    // No service worker (private mode, storage off): the app works online as before.
  });

  navigator.serviceWorker.addEventListener("message", function (evt) {
    var msg = evt.data || {};
    if (msg.type === "gridbook-offline-warmed" && msg.key === key) {
      body.setAttribute("data-offline-warmed", String(msg.count));
      sayKept("data-msg-ready", msg.at || Date.now());
    }
  });

  navigator.serviceWorker.ready.then(function (reg) {
    var sw = reg.active;
    if (!sw || key === null) return;
    // Who is signed in on this page ("" on the login page): the worker drops other users'
    // pages at once, whatever it saw last.
    sw.postMessage({ type: "gridbook-user", key: key });
    var caseload = body.getAttribute("data-offline-caseload");
    if (key && caseload && !offlineAt && navigator.onLine !== false) {
      if (!body.hasAttribute("data-offline-warmed")) sayKept("data-msg-saving", null);
      sw.postMessage({ type: "gridbook-warm", key: key, url: caseload });
    }
  });

  // Logout: the kept pages go with the session (the server's Clear-Site-Data asks the
  // browser too). A logout the outbox holds back (entries waiting) is not one yet.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (evt.defaultPrevented || !form.hasAttribute || !form.hasAttribute("data-logout")) return;
    var sw = navigator.serviceWorker.controller;
    if (sw) sw.postMessage({ type: "gridbook-logout" });
  });
})();
