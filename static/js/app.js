// Gridbook's own script: toasts, confirmations and small conveniences.
// Loaded with defer; no inline scripts anywhere (the CSP forbids them).
(function () {
  "use strict";

  function showToast(message, level) {
    var box = document.getElementById("toasts");
    if (!box || !message) return;
    var el = document.createElement("div");
    el.className = "toast" + (level === "error" ? " toast-error" : "");
    el.textContent = message;
    // A newer outcome supersedes an older "not saved": left on screen, the old error would
    // outlive the success that followed it and be the last word. (The form that was refused
    // keeps its own messages.)
    Array.prototype.slice.call(box.querySelectorAll(".toast-error")).forEach(function (old) {
      old.remove();
    });
    // At most two at once: a pile of toasts hides the page under it.
    while (box.children.length >= 2) box.removeChild(box.firstChild);
    placeToasts(box);
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, level === "error" ? 10000 : successMs(message));
  }

  // A toast takes no taps (static/css/app.css): the page under it gets them, so that a tap on
  // the answer button a "Referral saved" lies over answers the item (walk: it only put the
  // toast away). Any tap on the page puts the toasts shown then away, once the tap has done its
  // work; a toast a tap brings (a refusal said at once) stays. Escape puts them away too.
  // Toasts hold text only (showToast): nothing in one is there to be tapped.
  function dismissToasts() {
    var box = document.getElementById("toasts");
    if (!box || !box.children.length) return;
    var shown = Array.prototype.slice.call(box.children);
    setTimeout(function () { shown.forEach(function (el) { el.remove(); }); }, 0);
  }
  document.addEventListener("click", dismissToasts, true);
  document.addEventListener("keydown", function (evt) {
    if (evt.key === "Escape") dismissToasts();
  });

  // Above whatever is fixed at the bottom of the screen: the navigation (fixed on a phone
  // only) and a bar of actions over it, so that the toast covers neither.
  function placeToasts(box) {
    var top = innerHeight;
    document.querySelectorAll(".bottom-nav, .action-bar").forEach(function (bar) {
      if (getComputedStyle(bar).position !== "fixed") return;
      var r = bar.getBoundingClientRect();
      if (r.height > 0 && r.top < top) top = r.top;
    });
    box.style.bottom = top < innerHeight ? innerHeight - top + 8 + "px" : "";
  }

  // The toast of a save comes with the answer that changes the page (HX-Trigger fires before
  // the swap): a bar that grew, or went with the day's approval, moves where it should be.
  document.body.addEventListener("htmx:afterSettle", function () {
    var box = document.getElementById("toasts");
    if (box && box.children.length) placeToasts(box);
  });

  // Long enough to read: 2.5 s and a tenth of a second a character (a sentence such as
  // 保存在手机上，有信号时自动发送 was gone before it was read), at most 6 s.
  function successMs(message) {
    return Math.min(6000, 2500 + 100 * String(message).length);
  }

  // A refused form or upload swapped in with its messages: the first one is brought into view
  // when it landed above or below the screen (a long summary, many thumbnails), so that the
  // thumb on the Save button sees why nothing was saved.
  var ERRORS = "[role=alert], .form-error, small.error";
  document.body.addEventListener("htmx:afterSettle", function (evt) {
    // Fired on each element swapped in: for an outerHTML swap, detail.target is the old one.
    var target = evt.target;
    if (!target || !target.querySelector) return;
    var first = target.matches(ERRORS) ? target : target.querySelector(ERRORS);
    if (!first || !first.getBoundingClientRect) return;
    var r = first.getBoundingClientRect();
    var nav = document.querySelector(".bottom-nav");
    // What stays on top of the page as it scrolls: the top bar, and a checklist's counts.
    var above = 0;
    document.querySelectorAll(".topbar, .screening-summary").forEach(function (bar) {
      var b = bar.getBoundingClientRect();
      if (b.top < 100) above = Math.max(above, b.bottom);
    });
    var below = nav && getComputedStyle(nav).position === "fixed" ? nav.getBoundingClientRect().top : innerHeight;
    if (r.top < above || r.bottom > below) first.scrollIntoView({ block: "center" });
  });

  document.body.addEventListener("toast", function (evt) {
    var d = evt.detail || {};
    showToast(d.message, d.level);
  });

  // A failed request (network gone, server error) must say so; the form keeps its content.
  // Opening a form or a list sent nothing and kept nothing: that toast says so, not "Not sent".
  document.body.addEventListener("htmx:sendError", function (evt) {
    var cfg = evt.detail && evt.detail.requestConfig;
    var opening = cfg && String(cfg.verb).toLowerCase() === "get";
    var data = document.body.dataset;
    var msg = opening ? data.msgOfflineOpen : data.msgOffline;
    showToast(msg || "No connection. Try again.", "error");
  });
  document.body.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail.xhr;
    // A refusal names its reason in its own toast (HX-Trigger): one message, not two.
    var trig = xhr ? xhr.getResponseHeader("HX-Trigger") : null;
    if (trig && trig.indexOf('"toast"') !== -1) return;
    var status = xhr ? xhr.status : 0;
    var msg = status === 404 ? document.body.dataset.msgNotFound : document.body.dataset.msgFailed;
    showToast(msg || "Not saved. Try again.", "error");
  });

  // Back after a save fetches the form's page anew (Cache-Control: no-store keeps personal
  // data out of the browser, and so out of its back-forward cache) and Chrome puts back what
  // was typed: the key of a create form must come back with it, or the second Save makes a
  // second record. Chrome never puts back a hidden input, nor a text input whose value is the
  // page's own, so the key (app/forms.py ClientKeyField, a text input the page hides) is made
  // to differ from the page's here. It then comes back exactly when the entries do, and
  // their Save lands on the record the first one made (app/idempotency.py).
  function keepKeys(root) {
    var keys = root.querySelectorAll ? root.querySelectorAll("input[data-client-key]") : [];
    for (var i = 0; i < keys.length; i++) {
      var key = keys[i].value;  // the one put back, where Chrome did so before this ran
      keys[i].defaultValue = "";
      keys[i].value = key;
    }
  }
  keepKeys(document);
  document.body.addEventListener("htmx:load", function (evt) { keepKeys(evt.target); });

  // A hazard tapped but not saved yet (its form open, data-needs-note) is stored only with its
  // note. "All remaining OK" or "Finish" would answer its item OK or N/A, and the reload would
  // drop the note typed so far: they wait, and the open form is shown. Registered before the
  // confirmations and the outbox, so that neither asks or queues first.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.hasAttribute || !form.hasAttribute("data-hazard-pending")) return;
    var open = document.querySelector("form.hazard-form[data-needs-note]:not([data-note-sent])");
    if (!open) return;
    evt.preventDefault();
    evt.stopImmediatePropagation();
    showToast(form.getAttribute("data-hazard-pending"), "error");
    open.scrollIntoView({ block: "center" });
    if (open.elements.note) open.elements.note.focus({ preventScroll: true });
  }, true);

  // A welfare item marked "needs attention" with nothing said of it (no words saved or sent,
  // no referral): "Finish" would come back asking (routes.py, finish), and from the outbox
  // refused, once the worker has left. It waits, and the item's form is shown.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.hasAttribute || !form.hasAttribute("data-concern-pending")) return;
    var open = Array.prototype.filter.call(
      document.querySelectorAll("form.concern-form:not([data-note-saved]):not([data-note-sent])"),
      function (f) { var box = f.closest(".concern-box"); return !(box && box.querySelector(".referral-list li")); }
    )[0];
    if (!open) return;
    evt.preventDefault();
    evt.stopImmediatePropagation();
    showToast(form.getAttribute("data-concern-pending"), "error");
    open.scrollIntoView({ block: "center" });
    if (open.elements.note) open.elements.note.focus({ preventScroll: true });
  }, true);

  // Once its Save has gone (sent, or queued by the outbox without signal) the form waits for
  // no one: the bubbling phase is reached only when no check above held the submit back. A
  // refusal swaps in a fresh form, unmarked.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.hasAttribute) return;
    if (form.hasAttribute("data-needs-note") || form.matches("form.concern-form")) form.setAttribute("data-note-sent", "");
  });

  // Saving such a hazard with no note and a photo chosen: the server could keep the photo
  // nowhere (there is no hazard yet) and the swap would clear the chosen file, so the form is
  // not sent; the note says what it needs and the photo stays chosen.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.hasAttribute || !form.hasAttribute("data-needs-note")) return;
    var note = form.elements.note;
    var files = form.querySelector("input[type=file]");
    if (!note || note.value.trim() || !files || !files.files || !files.files.length) return;
    evt.preventDefault();
    evt.stopImmediatePropagation();
    var error = form.querySelector("small.error.note-missing");
    if (!error) {
      error = document.createElement("small");
      error.className = "error note-missing";
      error.id = (note.id || "note") + "-missing";
      note.insertAdjacentElement("afterend", error);
    }
    error.textContent = form.getAttribute("data-needs-note");
    note.setAttribute("aria-invalid", "true");
    note.setAttribute("aria-describedby", error.id);
    note.focus();
  }, true);

  // Confirmation prompts without inline handlers: <form data-confirm="...">.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.getAttribute || form.hasAttribute("hx-post")) return;  // htmx:confirm asks instead
    // "Approve ticked days" with nothing ticked says so instead of asking to approve nothing.
    var none = form.getAttribute("data-none-ticked");
    if (none && !document.querySelector('input[type=checkbox][form="' + form.id + '"]:checked')) {
      evt.preventDefault(); evt.stopImmediatePropagation();
      showToast(none, "error");
      return;
    }
    var msg = form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { evt.preventDefault(); evt.stopImmediatePropagation(); }
  }, true);
  document.body.addEventListener("htmx:confirm", function (evt) {
    var form = evt.target.closest ? evt.target.closest("form[data-confirm]") : null;
    if (!form) return;
    evt.preventDefault();
    if (window.confirm(form.getAttribute("data-confirm"))) evt.detail.issueRequest(true);
  });

  // The outbox's page side (outbox-core.js, then outbox.js) is fetched where it has work: a
  // page with a form that may wait (or a fragment bringing one), the /outbox page, a phone
  // whose outbox holds entries (the count, the marks, the replay), any page a service worker
  // controls (it answers them from its cache: no bytes on the wire), and a logout (which
  // must see waiting entries first). A first visit to Today needs none of it (issue 12: its
  // first load under 40 KB). The scripts' URLs come from base.html (body data-outbox-js).
  var outboxLoading = null;
  function outboxReady() { return !!(window.gridbookOutbox && window.gridbookOutbox.page); }
  function loadOutbox() {
    if (outboxLoading) return outboxLoading;
    var urls = (document.body.getAttribute("data-outbox-js") || "").split(" ").filter(Boolean);
    outboxLoading = urls.reduce(function (before, src) {
      return before.then(function () {
        return new Promise(function (resolve) {
          var script = document.createElement("script");
          script.src = src;
          script.async = false;
          script.onload = script.onerror = resolve;  // a failed one leaves the page as it was
          document.head.appendChild(script);
        });
      });
    }, Promise.resolve());
    return outboxLoading;
  }
  var OUTBOX_WORK = "form[data-outbox], #outbox-page";
  function outboxWanted() {
    if (document.querySelector(OUTBOX_WORK)) return Promise.resolve(true);
    if (navigator.serviceWorker && navigator.serviceWorker.controller) return Promise.resolve(true);
    if (!window.indexedDB) return Promise.resolve(false);
    if (!indexedDB.databases) return Promise.resolve(true);  // cannot tell: load it
    return indexedDB.databases().then(function (dbs) {
      return dbs.some(function (db) { return db.name === "gridbook-outbox"; });
    }, function () { return true; });
  }
  if (document.body.getAttribute("data-outbox-js")) {
    outboxWanted().then(function (yes) { if (yes) loadOutbox(); });
    document.body.addEventListener("htmx:load", function (evt) {
      var el = evt.target;
      if (el.matches && (el.matches(OUTBOX_WORK) || el.querySelector(OUTBOX_WORK))) loadOutbox();
    });
    // An entry sent before outbox.js has arrived (a tap in the page's first moment, a phone
    // with no signal) waits for it, so that it is queued like any other, never sent bare.
    document.addEventListener("submit", function (evt) {
      var form = evt.target;
      if (!form.matches || !form.matches("form[data-outbox]") || outboxReady()) return;
      // Once waited for, it goes as it is, even where outbox.js cannot work (no IndexedDB).
      if (form.gridbookWaited) { form.gridbookWaited = false; return; }
      evt.preventDefault();
      evt.stopImmediatePropagation();
      var submitter = evt.submitter || null;
      loadOutbox().then(function () {
        form.gridbookWaited = true;
        if (form.requestSubmit) form.requestSubmit(submitter);
        else form.submit();
      });
    }, true);
    // A logout first lets outbox.js count what waits (it warns, and keeps the entries).
    document.addEventListener("submit", function (evt) {
      var form = evt.target;
      if (!form.hasAttribute || !form.hasAttribute("data-logout") || outboxReady()) return;
      evt.preventDefault();
      evt.stopImmediatePropagation();
      loadOutbox().then(function () {
        if (outboxReady() && form.requestSubmit) form.requestSubmit();
        else form.submit();
      });
    }, true);
  }

  // Choosing a photo sends it, once made small, with its progress bar: static/js/photos.js,
  // fetched only where a page or a fragment swapped in has a photo form (most pages have none,
  // and Today's first load must stay small).
  var PHOTO_FORMS = "form.photo-upload input[type=file], form.hazard-form input[type=file]";
  var photosScript = null;
  function loadPhotos() {
    var src = document.body.getAttribute("data-photos-js");
    if (!src || window.gridbookPhotos || photosScript) return photosScript;
    photosScript = document.createElement("script");
    photosScript.src = src;
    document.head.appendChild(photosScript);
    return photosScript;
  }
  function loadPhotosWhereNeeded(root) {
    if ((root || document).querySelector && (root || document).querySelector(PHOTO_FORMS)) loadPhotos();
  }
  loadPhotosWhereNeeded(document);
  document.body.addEventListener("htmx:load", function (evt) { loadPhotosWhereNeeded(evt.target); });
  // A photo chosen before photos.js has arrived is handed to it once it has.
  document.addEventListener("change", function (evt) {
    var input = evt.target;
    if (window.gridbookPhotos || !input.matches || !input.matches(PHOTO_FORMS)) return;
    var script = loadPhotos();
    if (!script) return;
    script.addEventListener("load", function () {
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }, { once: true });
  });

  // A photo chosen but not sent (offline, failed, still going) is never dropped silently. One
  // whose form went to the outbox as it stands (data-queued, set by outbox.js) is the outbox's
  // to send: leaving loses nothing.
  function pendingPhoto(except) {
    var inputs = document.querySelectorAll("input[type=file][data-pending]");
    for (var i = 0; i < inputs.length; i++) {
      var form = inputs[i].form;
      if (form === except || (form && form.hasAttribute("data-queued"))) continue;
      if (inputs[i].files && inputs[i].files.length) return inputs[i];
    }
    return null;
  }
  // The browser's own "N files" is hidden under our label: say what is chosen and not yet saved.
  function showChosen(input) {
    var out = input.parentNode.querySelector(".photo-chosen");
    if (!out) return;
    var n = input.files ? input.files.length : 0;
    out.textContent = n ? out.getAttribute("data-chosen").replace("#", n) : "";
  }
  document.addEventListener("change", function (evt) {
    var input = evt.target;
    if (input.matches && input.matches(".photo-pick input[type=file]")) showChosen(input);
  });
  // The line atop a hazard form (screening/_hazard_state.html) says where what the form holds
  // stands, and so what the worker still has to do: the reason it is not saved (no note yet,
  // with a photo waiting for it or not; typed and never saved; changed since its last Save,
  // sent or kept in the outbox), that it is on its way, or that the server has it, with how
  // many photos. A form that waits in the outbox as it stands hides it (app.css).
  var HAZARD_STATES = {
    empty: "form-error hazard-unsaved", "empty-photo": "form-error hazard-unsaved",
    unsaved: "form-error hazard-unsaved", changed: "form-error hazard-unsaved",
    sending: "hazard-sending", saved: "hazard-saved"
  };
  function hazardState(form) {
    var line = form.querySelector(".hazard-state");
    if (!line) return;  // a refused form: its fields say what is wrong
    var note = form.elements.note;
    var files = form.querySelector("input[type=file]");
    var photo = !!(files && files.files && files.files.length);
    var state = "saved";
    if (note && !note.value.trim()) state = photo ? "empty-photo" : "empty";
    else if (form.hasAttribute("data-sending") || form.hasAttribute("data-shrinking")) state = "sending";
    else if (form.hasAttribute("data-changed")) state = "changed";
    else if (form.hasAttribute("data-needs-note")) state = "unsaved";
    var text = state === "saved" ? savedText(line, form) : line.getAttribute("data-" + state);
    if (line.textContent !== text) line.textContent = text;
    line.className = "hazard-state " + HAZARD_STATES[state];
  }
  function savedText(line, form) {
    var box = form.closest(".hazard-box");
    var n = box ? box.querySelectorAll(".photos .thumbs li").length : 0;
    if (!n) return line.getAttribute("data-saved-none");
    var one = false;
    try {
      one = new Intl.PluralRules(document.documentElement.lang || undefined).select(n) === "one";
    } catch (e) {
      one = n === 1;
    }
    return line.getAttribute(one ? "data-saved-one" : "data-saved-other").replace("#", n);
  }
  function hazardForm(el) {
    var form = el && (el.form || (el.closest && el.closest("form")));
    return form && form.matches("form.hazard-form") ? form : null;
  }
  // A queued form changed again holds something the outbox does not: it is unsaved again,
  // its photo with it (leaving asks), until it is saved again. So is a saved hazard's form
  // changed (data-changed). "input" is what every field fires as the worker changes it;
  // "change" would come late too, from a text box left after its Save.
  document.addEventListener("input", function (evt) {
    var form = evt.target.form;
    if (!form) return;
    var queued = form.hasAttribute("data-queued");
    var hazard = hazardForm(evt.target);
    if (hazard && (queued || !hazard.hasAttribute("data-needs-note"))) {
      hazard.setAttribute("data-changed", "");
    }
    if (queued) {
      form.removeAttribute("data-queued");
      form.querySelectorAll(".photo-pick input[type=file]").forEach(showChosen);
    }
    if (hazard) hazardState(hazard);
  });
  // On window, so that it runs after photos.js (on document) has taken a chosen photo on its
  // way (data-shrinking): the line then says it is being saved, not that Save is wanted.
  window.addEventListener("change", function (evt) {
    var form = hazardForm(evt.target);
    if (form) hazardState(form);
  });
  document.body.addEventListener("htmx:beforeRequest", function (evt) {
    var form = hazardForm(evt.detail.elt);
    if (!form) return;
    form.setAttribute("data-sending", "");
    hazardState(form);
  });
  // Answered and swapped, the form is gone; still here, it was refused, failed or kept in the
  // outbox (outbox.js marks it data-queued first when it could).
  document.body.addEventListener("htmx:afterRequest", function (evt) {
    var form = hazardForm(evt.detail.elt);
    if (!form) return;
    form.removeAttribute("data-sending");
    hazardState(form);
  });
  // A photo of a saved hazard deleted (its gallery swapped): the count on the line follows.
  document.body.addEventListener("htmx:afterSettle", function (evt) {
    var box = evt.target && evt.target.closest ? evt.target.closest(".hazard-box") : null;
    var form = box && evt.target.matches(".photos") ? box.querySelector("form.hazard-form") : null;
    if (form) hazardState(form);
  });

  // The account menu closes when the thumb taps anywhere else.
  document.addEventListener("click", function (evt) {
    var menu = document.getElementById("account-menu");
    if (menu && menu.open && !menu.contains(evt.target)) menu.open = false;
  });

  // Pinyin, zhuyin and other IMEs type Latin letters while composing: "xuxiu" is not a name.
  // The active search waits for the composed characters, then searches once.
  document.addEventListener("compositionstart", function (evt) {
    if (evt.target.matches && evt.target.matches("input[type=search]")) evt.target.composing = true;
  });
  document.addEventListener("compositionend", function (evt) {
    var input = evt.target;
    if (!input.composing) return;
    input.composing = false;
    // Chromium sends the last input event before compositionend: send one for the result.
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
  document.body.addEventListener("htmx:confirm", function (evt) {
    var active = document.activeElement;
    var form = evt.detail.elt;
    if (active && active.composing && form && form.contains && form.contains(active)) {
      evt.preventDefault();
    }
  });

  var leaving = false;
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    var pending = pendingPhoto(form);
    if (pending && !window.confirm(pending.getAttribute("data-pending"))) {
      evt.preventDefault(); evt.stopImmediatePropagation(); return;
    }
  }, true);
  // A second tap on a page form's Save while the first is on its way sent the form twice:
  // a new user was created, and the second answer said the username was taken (the walk).
  // Held until the answer replaces the page (a lost one shows the browser's error page, and
  // Back or reload brings a fresh form); the button shows it is busy (Pico's spinner).
  // Bubbling, so only a submit no check above held back counts. htmx forms have their own
  // (hx-disabled-elt), the outbox's are queued by key.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (evt.defaultPrevented || !form.getAttribute) return;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
    if (form.hasAttribute("hx-post") || form.hasAttribute("data-outbox")) return;
    if (form.gridbookSending) { evt.preventDefault(); return; }
    form.gridbookSending = true;
    var button = evt.submitter || form.querySelector("button[type=submit], button:not([type])");
    if (button) button.setAttribute("aria-busy", "true");
  });
  // A submit nothing held back (htmx, a script, the check above) takes the page away: what
  // it holds goes with it, asked about no more.
  document.addEventListener("submit", function (evt) {
    if (!evt.defaultPrevented) leaving = true;
  });
  // Back to a page the browser kept: its forms may be sent again, and leaving it asks again.
  window.addEventListener("pageshow", function (evt) {
    if (!evt.persisted) return;
    leaving = false;
    Array.prototype.forEach.call(document.forms, function (f) { f.gridbookSending = false; });
    document.querySelectorAll("button[aria-busy=true]").forEach(function (b) { b.removeAttribute("aria-busy"); });
  });

  // The language link opens the page again: a form's unsaved typing would go with it. Typing
  // is what the person did (trusted input events), not what scripts put in (today's date,
  // a key), and a form sent is no longer unsaved.
  // A form that saves (method post), or keeps its typing on the phone (the outbox's editor).
  var typedForms = [];
  function typedInto(evt) {
    var form = evt.target && evt.target.form;
    if (!evt.isTrusted || !form) return;
    if ((form.getAttribute("method") || "").toLowerCase() !== "post" && !form.hasAttribute("data-unsaved-asks")) return;
    if (typedForms.indexOf(form) < 0) typedForms.push(form);
  }
  document.addEventListener("input", typedInto, true);
  document.addEventListener("change", typedInto, true);
  function sent(form) { typedForms = typedForms.filter(function (f) { return f !== form; }); }
  // Saved only once the server says so: a send that failed (no network, a 500) leaves the
  // typing where it was, unsaved (the walk: a return comment not sent, then a link, was lost).
  // A page form's submit takes the page away (leaving, above).
  // Read before htmx acts on the answer: an HX-Redirect leaves the page before afterRequest.
  document.body.addEventListener("htmx:beforeOnLoad", function (evt) {
    var elt = evt.detail.elt, status = evt.detail.xhr && evt.detail.xhr.status;
    if (elt && status >= 200 && status < 300) sent(elt.tagName === "FORM" ? elt : elt.form);
  });
  // Typed and then put back as the page gave it is not unsaved. A field the page hides (the
  // create form's key, which app.js changes) is not what the person typed.
  function differs(el) {
    if (el.disabled || el.hidden || el.type === "hidden" || el.type === "file" || el.type === "password") return false;
    if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") {
      return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    return "defaultValue" in el && el.value !== el.defaultValue;
  }
  // Words or numbers in a form given back; not the day the page fills in itself (a form
  // sent empty and given back holds nothing typed: the walk was asked on leaving it).
  function holds(el) {
    return (el.tagName === "TEXTAREA" || el.tagName === "INPUT") && !el.disabled && !el.readOnly && !el.hidden &&
      ["hidden", "password", "file", "checkbox", "radio", "submit", "button", "date"].indexOf(el.type) < 0 &&
      el.value.trim() !== "";
  }
  // A field's reason under it (a choice of radios has no aria-invalid of its own).
  function givenBack(form) {
    return !!form.querySelector("[aria-invalid=true]") ||
      Array.prototype.some.call(form.querySelectorAll(".error, .form-error"), function (el) {
        return !el.hidden && el.textContent.trim() !== "";
      });
  }
  function unsaved() {
    // A login's username is not worth a question; what waits in the outbox is kept.
    var asks = function (f) {
      return f.isConnected && !f.hasAttribute("data-leave-freely") && !f.hasAttribute("data-queued");
    };
    if (typedForms.some(function (f) { return asks(f) && Array.prototype.some.call(f.elements, differs); })) {
      return true;
    }
    // A form the server gave back with its errors holds what was typed, not saved.
    return Array.prototype.some.call(document.querySelectorAll("main form[method=post]"), function (f) {
      return asks(f) && givenBack(f) && Array.prototype.some.call(f.elements, holds);
    });
  }
  document.addEventListener("click", function (evt) {
    var link = evt.target.closest && evt.target.closest("a[data-switch-lang]");
    if (!link || !unsaved()) return;
    if (window.confirm(link.getAttribute("data-switch-lang"))) leaving = true;
    else evt.preventDefault();
  });
  // A reload, a pull to refresh, a link or Back would drop what was typed and not saved (the
  // walk: a form given back with its errors, reloaded, came back empty): the browser asks
  // first. Chromium asks only once the person has touched the page, which typing is.
  window.addEventListener("beforeunload", function (evt) {
    if (leaving || !(pendingPhoto(null) || unsaved())) return;
    evt.preventDefault();
    evt.returnValue = "";
  });

  // A photo of the fix saved: "add a photo of the fix first" over Mark rectified no longer
  // holds (the walk: it stayed until the next tap). Read from the page after the upload's
  // swap: a refused photo comes back as the gallery with its reason and no new thumbnail,
  // one kept on the phone for later as no thumbnail at all.
  document.body.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("form[data-no-fix-photo]").forEach(function (form) {
      var fix = form.closest(".hazard-fix");
      if (!fix || !fix.querySelector(".thumbs img")) return;
      form.querySelectorAll(".form-error").forEach(function (p) {
        if (p.textContent.trim() === form.getAttribute("data-no-fix-photo")) p.remove();
      });
    });
  });

  // A print button (a notice): shown only where script runs; without it the browser's menu prints.
  document.querySelectorAll("[data-print]").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () { window.print(); });
  });
  // One of a request's notices prints alone (the others stay on the page: app.css hides them
  // from the printout while body.print-one is set); the browser's menu prints them all.
  document.addEventListener("click", function (evt) {
    var btn = evt.target.closest && evt.target.closest("[data-print-notice]");
    if (!btn) return;
    var notice = btn.closest(".notice");
    document.querySelectorAll(".notice.printing").forEach(function (el) { el.classList.remove("printing"); });
    notice.classList.add("printing");
    document.body.classList.add("print-one");
    window.print();
  });
  window.addEventListener("afterprint", function () {
    document.body.classList.remove("print-one");
    document.querySelectorAll(".notice.printing").forEach(function (el) { el.classList.remove("printing"); });
  });
  function showNoticePrint(root) {
    root.querySelectorAll("[data-print-notice]").forEach(function (btn) { btn.hidden = false; });
  }
  showNoticePrint(document);
  document.body.addEventListener("htmx:load", function (evt) { showNoticePrint(evt.target); });
  // A text box with a length limit (data-max-chars, which the form macro writes from the
  // field's validator) shows "1,234 / 2,000" once the text passes 80 % of it, so the limit is
  // known before Save refuses the text. No maxlength: it cuts a pasted note short silently.
  // Counted as the server counts: characters (code points, not UTF-16 units), trimmed.
  var COUNT_FROM = 0.8;
  var numbers;
  try {
    numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  } catch (e) {
    numbers = new Intl.NumberFormat();
  }
  function showCount(box) {
    var max = parseInt(box.getAttribute("data-max-chars"), 10);
    var out = document.getElementById(box.id + "-count");
    if (!max || !out) return;
    var length = Array.from(box.value.trim()).length;
    out.hidden = length < max * COUNT_FROM;
    out.textContent = numbers.format(length) + " / " + numbers.format(max);
    // An old text already over a newer limit is kept as it is (the server lets it through
    // unchanged): red only once it is changed, or where the server refused it.
    var kept = box.value === box.defaultValue && box.getAttribute("aria-invalid") !== "true";
    out.classList.toggle("over", length > max && !kept);
  }
  function countAll(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("textarea[data-max-chars]").forEach(showCount);
  }
  document.addEventListener("input", function (evt) {
    var box = evt.target;
    if (box.matches && box.matches("textarea[data-max-chars]")) showCount(box);
  });
  // A form given back with a text over the limit shows the count at once.
  countAll(document);
  document.body.addEventListener("htmx:load", function (evt) { countAll(evt.target); });

  // A form sent back refused says why beside each field; a field below the fold went unseen
  // (walk: a visit's date refused, the page back at its top, the reason under the bottom bar).
  function showFirstRefusal(root) {
    var bad = root.querySelector && root.querySelector('[aria-invalid="true"]');
    if (!bad) return;
    var box = bad.getBoundingClientRect();
    if (box.top >= 0 && box.bottom <= window.innerHeight * 0.8) return;
    bad.scrollIntoView({ block: "center" });
  }
  document.body.addEventListener("htmx:load", function (evt) { showFirstRefusal(evt.target); });

  // A table wider than the phone scrolls inside its box, cut mid-word at the edge with nothing
  // to say there is more (the walk: the township's weekly hazards, 9 columns). Said at the top
  // of the box, held at its left edge, while the table is wider than the box; the row names
  // stay put (app.css, .scroll-x). Inside the box, so that a page laying boxes out in a grid
  // (the risk register) gets no extra cell; not read aloud: a screen reader goes cell by cell.
  function markWide(root) {
    if (!root.querySelectorAll) return;
    var text = document.body.getAttribute("data-msg-wide-table");
    root.querySelectorAll(".scroll-x[role=region]").forEach(function (box) {
      var wide = box.scrollWidth > box.clientWidth + 1;
      var hint = box.querySelector(":scope > .wide-hint");
      if (wide && !hint && text) {
        hint = document.createElement("p");
        hint.className = "wide-hint";
        hint.setAttribute("aria-hidden", "true");
        hint.textContent = text;
        box.insertBefore(hint, box.firstChild);
      } else if (!wide && hint) {
        hint.remove();
      }
    });
  }
  markWide(document);
  document.body.addEventListener("htmx:load", function (evt) { markWide(evt.target); });
  var wideTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(wideTimer);
    wideTimer = setTimeout(function () { markWide(document); }, 200);
  });
})();
