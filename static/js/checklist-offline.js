// A checklist filled in without signal (screening/show.html, wherever it may be filled in).
//
// The blank checklist the phone keeps: the service worker shows it for
// /screening/u/<uuid>?template=<id>, a checklist started without signal. Its forms are
// rendered for no screening in particular; the UUID in the address is the one the phone gave
// the visit (or the start) it queued, which the server gives the screening it makes. Runs
// before htmx reads the page (deferred, after htmx.min.js), so htmx sends to the real address.
//
// On any checklist: a hazard form drawn by the phone (template#hazard-offline) starts from its
// item's severity and deadline as the server's form does; the tap that opened it leaves the
// outbox once its save waits there (the save opens the hazard with its answer); the counts
// above the list take the answers waiting in the outbox into account.
(function () {
  "use strict";

  var list = document.querySelector("ol.checklist-items");
  if (!list) return;

  var note = document.querySelector("[data-blank-checklist]");
  var found = /^\/screening\/u\/([0-9a-fA-F-]{36})$/.exec(location.pathname);
  var key = note && found ? found[1] : null;
  if (key) {
    var placeholder = note.getAttribute("data-blank-checklist");
    ["action", "hx-post", "data-hazard-url"].forEach(function (attr) {
      document.querySelectorAll("[" + attr + "*='" + placeholder + "']").forEach(function (el) {
        el.setAttribute(attr, el.getAttribute(attr).replace(placeholder, key));
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
  }

  // ---- a hazard form drawn by the phone: its item's severity and deadline ------------

  var DAY_MS = 86400000;

  function isoDay(ms) { return new Date(ms).toISOString().slice(0, 10); }

  function dayMs(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    return m ? Date.UTC(+m[1], m[2] - 1, +m[3]) : null;
  }

  function today() {
    var now = new Date();
    return Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
  }

  // The day the hazard is found on: the visit's (the page says it, or the visit waiting in
  // the outbox does), else the phone's: a visit logged without signal is dated today unless
  // the worker changed it.
  function foundOn(form) {
    return dayMs(form.gridbookFoundOn || form.getAttribute("data-found-on")) || today();
  }

  // hazards.default_due: the item's own days for its own severity, the scale's for another.
  function dueFor(form, severity) {
    // A form the server drew names its item's defaults itself (its li may not: a saved hazard).
    var item = form.hasAttribute("data-item-severity") ? form : form.closest("li.checklist-item");
    var own = form === item ? "data-item-" : "data-hazard-";
    var days;
    if (severity === item.getAttribute(own + "severity")) {
      days = Number(item.getAttribute(own + "days"));
    } else {
      try { days = JSON.parse(form.getAttribute("data-severity-days"))[severity]; } catch (e) { days = null; }
    }
    return typeof days === "number" && !isNaN(days) ? isoDay(foundOn(form) + days * DAY_MS) : "";
  }

  // The date goes with the severity while it is the one the server would give it (the
  // server keeps a date the worker chose, and gives an empty one the severity's).
  function follow(form, from, to) {
    var due = form.elements.due_on;
    if (!due) return;
    var severities = Array.prototype.map.call(form.elements.severity.options, function (o) { return o.value; });
    var unchanged = !due.value || (from ? due.value === dueFor(form, from)
      : severities.some(function (s) { return due.value === dueFor(form, s); }));
    if (unchanged) due.value = dueFor(form, to);
    form.gridbookSeverity = to;
  }

  function visitDay(rows) {
    var byKey = {};
    rows.forEach(function (e) {
      (e.fields || []).forEach(function (f) { if (f[0] === "client_uuid") byKey[f[1]] = e; });
    });
    var entry = byKey[key];
    var named = entry && field(entry, "visit_uuid");
    if (named) entry = byKey[named];  // a start, queued behind its visit
    return entry ? field(entry, "visited_on") : null;
  }

  function field(entry, name) {
    var pair = (entry.fields || []).filter(function (f) { return f[0] === name; })[0];
    return pair && typeof pair[1] === "string" ? pair[1] : null;
  }

  function drawnOffline(form) {
    var box = form.closest(".hazard-box");
    return box && !box.id && form.elements.severity && form.closest("li.checklist-item[data-hazard-severity]");
  }

  function startForm(form) {
    if (form.gridbookSeverity !== undefined) return;
    if (form.gridbookDrawn) {
      // Drawn from its entry in the outbox: what was typed stands.
      form.gridbookSeverity = null;
      return;
    }
    var severity = form.closest("li.checklist-item").getAttribute("data-hazard-severity");
    form.elements.severity.value = severity;
    form.elements.due_on.value = dueFor(form, severity);
    form.gridbookSeverity = severity;
    var core = window.gridbookOutbox;
    if (!key || form.getAttribute("data-found-on") || !core) return;
    core.all().then(function (rows) {
      var day = visitDay(rows);
      if (!day || dayMs(day) === foundOn(form)) return;
      var was = form.elements.due_on.value === dueFor(form, form.gridbookSeverity);
      form.gridbookFoundOn = day;
      if (was) form.elements.due_on.value = dueFor(form, form.gridbookSeverity);
    }, function () {});
  }

  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (el.name !== "severity" || !el.form) return;
    if (!drawnOffline(el.form) && !el.form.matches("form.hazard-form[data-item-severity]")) return;
    var from = el.form.gridbookSeverity;
    if (from === undefined) {
      // A form the server drew: the severity it was drawn with, which its date goes with.
      var drawn = Array.prototype.filter.call(el.options, function (o) { return o.defaultSelected; })[0];
      from = drawn ? drawn.value : null;
    }
    follow(el.form, from, el.value);
  });

  // ---- the tap that opened a hazard: no longer waiting once its save is -------------

  // The save opens the hazard with its answer (routes.py, hazard); the tap alone the server
  // would refuse (a hazard is stored only with its note), so it is taken out of the outbox
  // once the save waits there, or the hazard is saved (the item comes back with it).
  var dropping = {};
  function dropTap(item) {
    var core = window.gridbookOutbox;
    var answer = item.querySelector("form.answer-buttons");
    var url = answer && answer.getAttribute("action");
    if (!core || !url || dropping[url]) return;
    dropping[url] = true;
    core.all().then(function (rows) {
      var taps = rows.filter(function (e) { return e.url === url && field(e, "value") === "hazard"; });
      return Promise.all(taps.map(function (e) {
        return core.remove(e.id).then(function () { core.tell({ type: "discarded", id: e.id, user: e.user }); });
      }));
    }).then(function () { delete dropping[url]; }, function () { delete dropping[url]; });
  }

  function hazardKept(item) {
    return item.querySelector("form.hazard-form[data-queued]") ||
      item.querySelector(".hazard-box[id^='hazard-']:not([id^='hazard-new-'])");
  }

  // ---- the counts, with what waits ---------------------------------------------------

  var summary = document.getElementById("screening-summary");

  // What the item counts as: its answer chosen (saved, or waiting), as the server counts
  // saved answers; a hazard tapped and not yet described or saved counts as before the tap.
  function counted(item) {
    var chosen = item.querySelector("button[name=value][aria-pressed=true]");
    var value = chosen ? chosen.value : null;
    var open = item.querySelector("form.hazard-form[data-needs-note]:not([data-note-sent]):not([data-queued])");
    if (value === "hazard" && open) {
      var saved = /(?:^|\s)answered-(\w+)/.exec(item.className);
      value = saved ? saved[1] : null;
    }
    return value;
  }

  function recount() {
    summary = document.getElementById("screening-summary");
    if (!summary || !list.querySelector("button[name=value]")) return;
    var counts = { ok: 0, hazard: 0, concern: 0, na: 0, unanswered: 0 };
    var rest = document.querySelector("#remaining-ok.outbox-pending") ? "ok" : "unanswered";
    list.querySelectorAll("li.checklist-item").forEach(function (item) {
      var value = counted(item) || rest;
      if (value in counts) counts[value]++;
    });
    Object.keys(counts).forEach(function (name) {
      var el = summary.querySelector("[data-count=" + name + "]");
      if (!el) return;
      if (el.textContent !== String(counts[name])) el.textContent = String(counts[name]);
      if (name === "concern") el.parentNode.hidden = !counts[name];
    });
  }

  var due = false;
  function changed(records) {
    records.forEach(function (r) {
      var nodes = r.type === "childList" ? Array.prototype.slice.call(r.addedNodes) : [r.target];
      nodes.forEach(function (node) {
        if (node.nodeType !== 1) return;
        node.querySelectorAll && node.querySelectorAll("form.hazard-form").forEach(function (form) {
          if (drawnOffline(form)) startForm(form);
        });
        var item = node.closest && node.closest("li.checklist-item");
        if (item && hazardKept(item)) dropTap(item);
      });
    });
    if (due) return;
    due = true;
    Promise.resolve().then(function () { due = false; recount(); });
  }

  var watch = { childList: true, subtree: true, attributes: true,
                attributeFilter: ["aria-pressed", "class", "data-note-sent", "data-queued"] };
  new MutationObserver(changed).observe(list, watch);
  var remaining = document.getElementById("remaining-ok");
  if (remaining) new MutationObserver(changed).observe(remaining, { attributes: true, attributeFilter: ["class"] });
  recount();
})();
