// The outbox on the page: marks what waits to send, keeps the count in the top bar, asks the
// service worker to send (on load, when the network returns), warns before a logout that would
// leave entries behind, and draws the /outbox page. Entries live in outbox-core.js's store.
(function () {
  "use strict";

  var core = window.gridbookOutbox;
  var countEl = document.querySelector("[data-outbox-count]");
  var stringsEl = document.getElementById("outbox-strings");
  if (!core || !countEl || !stringsEl || !window.indexedDB) return;
  var user = countEl.getAttribute("data-outbox-user");
  var S = stringsEl.dataset;
  var WAITING = "waiting";

  function here() { return location.pathname + location.search; }

  // app.js shows it (one kind of toast on the page: a newer note supersedes an older error).
  function toast(message, level) {
    document.body.dispatchEvent(new CustomEvent("toast", { detail: { message: message, level: level } }));
  }

  // ---- what a form carries when it may wait --------------------------------------

  function labelFor(el) {
    if (el.id) {
      var lab = el.form && el.form.querySelector("label[for='" + el.id + "']");
      if (lab) return lab.textContent.trim();
    }
    var set = el.closest("fieldset");
    if (el.type === "radio" && set && set.querySelector("legend")) return set.querySelector("legend").textContent.trim();
    var wrap = el.closest("label");
    return wrap ? wrap.textContent.trim() : el.name;
  }

  function shown(el) {
    var radios = el.type === "radio" ? el.form.querySelectorAll("input[type=radio][name='" + el.name + "']") : [el];
    return Array.prototype.some.call(radios, function (r) { return r.getClientRects().length > 0; });
  }

  // The fields a worker may correct on /outbox if the server refuses the entry.
  function editable(form) {
    var out = [], seen = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      // The record's key (app/forms.py ClientKeyField, a text input the page hides) is the
      // entry's identity, not something to correct: changed or cleared, a resend would be
      // taken for a new record.
      if (!el.name || seen[el.name] || el.disabled || el.hidden) return;
      var kind = el.tagName === "TEXTAREA" ? "textarea" : el.tagName === "SELECT" ? "select" : el.type;
      if (["text", "textarea", "date", "number", "select", "radio", "tel"].indexOf(kind) === -1) return;
      // Nor is a field the worker could not see (the visit form's checklist, shown for a
      // screening only, comes with the first one checked): its value rides along untouched.
      if (!shown(el)) return;
      seen[el.name] = true;
      var spec = { name: el.name, label: labelFor(el), kind: kind };
      // Its rules go with it: corrected on /outbox, it is checked again before it waits.
      var ruled = kind === "radio" ? el.closest("fieldset[data-check]") : el;
      if (ruled && ruled.hasAttribute("data-check")) spec.check = ruled.getAttribute("data-check");
      if (kind === "select") {
        spec.options = Array.prototype.map.call(el.options, function (o) { return [o.value, o.textContent.trim()]; });
      } else if (kind === "radio") {
        spec.options = Array.prototype.map.call(form.querySelectorAll("input[type=radio][name='" + el.name + "']"), function (r) {
          var lab = r.closest("label");
          return [r.value, lab ? lab.textContent.trim() : r.value];
        });
      }
      out.push(spec);
    });
    return out;
  }

  // A form that starts a checklist (data-outbox "opens", from offline_checklist()): the blank
  // checklist to open when it is queued, addressed by the form's client UUID, which the
  // server gives the screening it makes on replay.
  function opensFor(form, opens, submitter) {
    if (!opens) return null;
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === "submit" || ((el.type === "radio" || el.type === "checkbox") && !el.checked)) return;
      values[el.name] = el.value;
    });
    if (submitter && submitter.name) values[submitter.name] = submitter.value;
    // The visit form names its checklist in the field of the purpose chosen (a screening's,
    // an elderly-care visit's welfare check); other purposes open none.
    var name = typeof opens.template === "string" ? opens.template : opens.template[values.purpose];
    var template = name && values[name];
    if (!template || !values.client_uuid) return null;
    return opens.url.replace(opens.uuid, values.client_uuid) + "?template=" + encodeURIComponent(template);
  }

  // ---- what the phone checks before a save waits ------------------------------------

  // The server reads a queued save only once the signal is back, when the worker has left
  // the door: what it would refuse at once (a required field left empty, a text too long, a
  // date out of range) is checked here first, by the rules and in the words the server wrote
  // beside each field (data-check, app/validators.py phone_checks). The server still decides.
  var DAY_MS = 86400000;
  var numbers;
  try { numbers = new Intl.NumberFormat(document.documentElement.lang || undefined); } catch (e) { numbers = new Intl.NumberFormat(); }

  function ruleOf(el) {
    try { return JSON.parse(el.getAttribute("data-check")) || {}; } catch (e) { return {}; }
  }

  // The phone's day, as the server counts days (its township's date; the phone is there).
  function daysFromToday(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (!m) return null;
    var now = new Date();
    return Math.round((Date.UTC(+m[1], m[2] - 1, +m[3]) - Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())) / DAY_MS);
  }

  // A radio group's rule sits on its fieldset; any other field's on the field.
  function problemOf(el, rule) {
    var group = el.tagName === "FIELDSET";
    var radios = group ? el.querySelectorAll("input[type=radio]") : [];
    var value = group ? "" : el.value.replace(/\r\n?/g, "\n").trim();  // as the server's filter
    var missing = group ? !Array.prototype.some.call(radios, function (r) { return r.checked; })
      : el.validity.valueMissing || !value;
    if (rule.missing && missing) return rule.missing;
    if (group || !value) return null;  // an optional field left empty: nothing more to check
    if (rule.max != null) {
      var n = Array.from(value).length;  // characters, as the server counts: not UTF-16 units
      if (n > rule.max || n < rule.min) return rule.long.replace("{n}", numbers.format(n));
    }
    var days = "future" in rule || "past" in rule ? daysFromToday(el.value) : null;
    if (days !== null) {
      var yearOff = Math.abs(days) >= rule.year_off;
      if (rule.future != null && days > rule.future) return yearOff ? rule.late_year : rule.late;
      if (rule.past != null && days < -rule.past) return yearOff ? rule.early_year : rule.early;
    }
    return null;
  }

  function problems(form) {
    var found = [];
    form.querySelectorAll("[data-check]").forEach(function (el) {
      if (el.disabled) return;
      var message = problemOf(el, ruleOf(el));
      if (message) found.push({ el: el, message: message });
    });
    return found;
  }

  // Where the server puts a field's messages (templates/_macros/forms.html): last in a radio
  // group's fieldset; after any other field's hint, count and privacy note.
  function messagesOf(el) {
    var out = [];
    if (el.tagName === "FIELDSET") {
      Array.prototype.forEach.call(el.children, function (c) { if (c.matches("small.error")) out.push(c); });
      return out;
    }
    for (var next = el.nextElementSibling; next && next.tagName === "SMALL"; next = next.nextElementSibling) {
      if (next.matches(".error")) out.push(next);
    }
    return out;
  }

  function unmark(el) {
    messagesOf(el).forEach(function (m) { if (m.hasAttribute("data-phone-check")) m.remove(); });
    if (!el.hasAttribute("data-phone-invalid")) return;
    el.removeAttribute("data-phone-invalid");
    el.removeAttribute("aria-invalid");
    var rest = (el.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id && id !== el.id + "-error"; });
    if (rest.length) el.setAttribute("aria-describedby", rest.join(" "));
    else el.removeAttribute("aria-describedby");
  }

  // The same markup as the server's refusal, in place of any message the field had; the
  // first field refused is brought into view with the focus, everything typed kept.
  function mark(el, message) {
    messagesOf(el).forEach(function (m) { m.remove(); });
    var small = document.createElement("small");
    small.className = "error";
    small.setAttribute("data-phone-check", "");
    small.textContent = message;
    if (el.tagName === "FIELDSET") { el.appendChild(small); return; }
    small.id = el.id + "-error";
    var last = el;
    while (last.nextElementSibling && last.nextElementSibling.tagName === "SMALL") last = last.nextElementSibling;
    last.after(small);
    el.setAttribute("data-phone-invalid", "");
    el.setAttribute("aria-invalid", "true");
    var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (ids.indexOf(small.id) === -1) el.setAttribute("aria-describedby", [small.id].concat(ids).join(" "));
  }

  function showProblems(form, found) {
    form.querySelectorAll("[data-check]").forEach(unmark);
    found.forEach(function (p) { mark(p.el, p.message); });
    if (!found.length) return;
    var first = found[0].el;
    var focus = first.tagName === "FIELDSET" ? first.querySelector("input") : first;
    if (focus) focus.focus({ preventScroll: true });
    first.scrollIntoView({ block: "center" });
  }

  function metaFor(form, submitter, invalid) {
    var spec = {};
    try { spec = JSON.parse(form.getAttribute("data-outbox") || "{}"); } catch (e) { spec = {}; }
    // A label by the purpose chosen (the visit form's): visits to one person read apart.
    var purpose = form.elements.purpose ? form.elements.purpose.value : "";
    var label = (spec.labels && spec.labels[purpose]) || spec.label || document.title;
    return JSON.stringify({
      user: user,
      label: label,
      brief: spec.label || label,
      // Kept with it: corrected to another purpose on /outbox, its label follows.
      labels: spec.labels || null,
      target: spec.target || null,
      page: here(),
      edit: editable(form),
      opens: opensFor(form, spec.opens, submitter),
      // Not to be kept if the network fails (outbox-core.js): the page says why instead.
      invalid: !!invalid
    });
  }

  function hiddenInput(form, name, value) {
    var input = form.querySelector("input[type=hidden][name='" + name + "']");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }

  // A checklist is discarded only with nothing of it left on the phone: answers tapped
  // without signal would otherwise arrive for a checklist that is gone (they wait in the
  // outbox, while the server still sees it empty and offers to discard it). Nor does a
  // discard wait in the outbox (answers tapped after it would then arrive for a checklist
  // gone): without signal the page says so and stays, instead of the browser's own "no
  // internet" page in its place.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.matches || !form.matches("form[data-discards]")) return;
    evt.preventDefault();
    evt.stopImmediatePropagation();
    var paths = form.getAttribute("data-discards").split(" ").filter(Boolean);
    core.forUser(user).then(function (rows) {
      var kept = rows.some(function (e) {
        return paths.some(function (p) { return e.url.indexOf(p) === 0; });
      });
      if (kept) { toast(form.getAttribute("data-discard-waiting"), "error"); return; }
      return core.reachable().then(function (up) {
        if (up) form.submit();
        else toast(form.getAttribute("data-discard-offline"), "error");
      });
    }, function () { form.submit(); });
  }, true);

  // Before htmx (or the browser) reads the form: the meta the service worker keeps with it.
  // Without a network, a save the server would refuse is not sent at all: the form shows
  // why. With one, the server answers; should the send fail after all, the worker keeps
  // nothing the page found wrong (meta.invalid) and the page shows why then (outbox-invalid).
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.matches || !form.matches("form[data-outbox]") || !user) return;
    var found = problems(form);
    if (found.length && navigator.onLine === false) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
      showProblems(form, found);
      return;
    }
    if (!found.length) showProblems(form, found);
    hiddenInput(form, core.META, metaFor(form, evt.submitter, found.length > 0));
  }, true);

  document.body.addEventListener("outbox-invalid", function (evt) {
    var form = evt.target && evt.target.closest ? evt.target.closest("form") : null;
    if (!form) return;
    // Its Save did not go after all: a hazard's note is still to be given (app.js).
    form.removeAttribute("data-note-sent");
    var found = problems(form);
    if (found.length) showProblems(form, found);
    else toast(S.failed, "error");  // corrected while it was being sent: save again
  });

  // A queued photo is the outbox's to keep: the form no longer holds one "not saved yet"
  // (its note and the question before leaving would contradict the "waiting" mark).
  function photosQueued(form) {
    form.querySelectorAll("input[type=file]").forEach(function (input) { input.value = ""; });
    form.querySelectorAll(".photo-chosen").forEach(function (el) { el.textContent = ""; });
  }

  // A queued form starts afresh: new UUIDs, so a second entry from it is not taken for a retry.
  // A referral's form closes, as it does once saved (markPage draws the referral waiting).
  function afresh(form) {
    if (!form) return;
    if (form.matches("form.visit-form, #request-form, form.referral-form")) form.reset();
    if (form.matches("form.referral-form")) closeRaise(form.closest(".referrals-panel"));
    photosQueued(form);
    form.querySelectorAll("input[name=client_uuid], input[name=photo_uuid]").forEach(function (input) {
      input.value = core.newId();
    });
  }

  // A form kept as it stands once queued (a hazard's: saved again, it is the same hazard and,
  // with the same key, the same photo) holds nothing the outbox does not: its photo says it
  // waits, its "not saved yet" notes are hidden (app.css), and leaving does not ask (app.js),
  // until it is changed again (app.js takes data-queued off).
  function kept(form) {
    form.setAttribute("data-queued", "");
    form.gridbookDrawn = true;  // what the worker typed: markPage need not put it back
    var photos = false;
    form.querySelectorAll(".photo-pick input[type=file]").forEach(function (input) {
      var out = input.parentNode.querySelector(".photo-chosen");
      var n = input.files ? input.files.length : 0;
      if (out) out.textContent = n ? S.waiting : "";
      if (n) photos = true;
    });
    var key = form.querySelector("input[name=photo_uuid]");
    if (key && photos) key.setAttribute("data-queued", "");
  }

  // A photo chosen in a form whose photo went to the outbox under its key is another photo:
  // a key of its own, or the server would take it for that one resent with other content.
  document.addEventListener("change", function (evt) {
    var input = evt.target;
    if (input.type !== "file" || !input.form) return;
    var key = input.form.querySelector("input[name=photo_uuid][data-queued]");
    if (!key) return;
    key.value = core.newId();
    key.removeAttribute("data-queued");
  });

  // The form whose save the outbox kept: what it holds is the outbox's now.
  function handedOver(evt) {
    var form = evt.target && evt.target.closest ? evt.target.closest("form") : null;
    if (form && form.matches("form.hazard-form")) kept(form);
    else afresh(form);
  }

  document.body.addEventListener("outbox-queued", function (evt) {
    handedOver(evt);
    toast(S.queued);
    refresh();
  });
  // Tapped on a checklist whose start (or visit) the server refused: kept, not sent, as an
  // entry queued is (a second photo saved from the same hazard form needs a key of its own).
  document.body.addEventListener("outbox-held", function (evt) {
    handedOver(evt);
    toast(evt.detail && evt.detail.what === "visit" ? S.heldVisit : S.heldChecklist, "error");
    refresh();
  });
  document.body.addEventListener("outbox-full", function (evt) {
    toast(evt.detail && evt.detail.quota ? S.full : S.failed, "error");
  });

  // Without a service worker (first visit, old browser): the page keeps the entry itself.
  // And a photo the page sent itself, past the worker, to show its progress (photos.js).
  document.body.addEventListener("htmx:sendError", function (evt) {
    var cfg = evt.detail.requestConfig || {};
    var direct = cfg.headers && cfg.headers[core.DIRECT];
    if (navigator.serviceWorker && navigator.serviceWorker.controller && !direct) return;
    var elt = evt.detail.elt;
    var form = elt && elt.closest ? elt.closest("form[data-outbox]") : null;
    if (!form || !user) return;
    var found = problems(form);
    if (found.length) {
      form.removeAttribute("data-note-sent");
      showProblems(form, found);
      return;
    }
    var data = cfg.formData instanceof FormData ? cfg.formData : new FormData(form);
    if (!data.get(core.META)) data.set(core.META, metaFor(form));
    var entry = core.entryFrom(cfg.path || form.getAttribute("action"), data, true);
    if (!entry) return;
    // Other forms keep what was typed; sending them again makes the same UUIDs, so the
    // server keeps one. The photo form's photo is in the entry now, and a referral reads as
    // saved once it waits: they start afresh, as with the service worker.
    core.enqueue(entry).then(function () {
      if (form.matches("form.photo-upload, form.referral-form")) afresh(form);
      else if (form.matches("form.hazard-form")) kept(form);
      toast(S.queued);
      refresh();
    }, function (err) {
      toast(err && err.name === "QuotaExceededError" ? S.full : S.failed, "error");
    });
  });

  // A plain form queued by the service worker comes back to this page with a note.
  (function () {
    var notes = { "#outbox-queued": [S.queued, ""], "#outbox-full": [S.full, "error"], "#outbox-failed": [S.failed, "error"],
                  "#outbox-held-visit": [S.heldVisit, "error"], "#outbox-held-checklist": [S.heldChecklist, "error"] };
    var note = notes[location.hash];
    if (!note) return;
    toast(note[0], note[1]);
    history.replaceState(history.state, "", here());
  })();

  // ---- count and marks -------------------------------------------------------------

  function mine() { return user ? core.forUser(user) : Promise.resolve([]); }

  // Why it was not saved: the server's words, or (held back: outbox-core.js hold) what it
  // belongs to that was not saved.
  function reasonOf(entry) {
    if (!entry.held) return entry.reason;
    return (entry.held.what === "visit" ? S.heldVisit : S.heldChecklist) || "";
  }

  function badge(entry) {
    var p = document.createElement("p");
    p.className = "outbox-mark outbox-" + entry.status;
    p.setAttribute("data-outbox-mark", entry.id);
    var s = document.createElement("strong");
    s.textContent = entry.status === WAITING ? S.waiting : S.refused;
    p.appendChild(s);
    if (reasonOf(entry)) p.appendChild(document.createTextNode(" " + reasonOf(entry)));
    if (entry.status !== WAITING) {
      var a = document.createElement("a");
      a.href = countEl.getAttribute("href");
      a.textContent = S.open;
      p.appendChild(document.createTextNode(" "));
      p.appendChild(a);
    }
    return p;
  }

  // A form the server would have sent back, drawn under an item tapped without a network
  // from the page's template (screening/show.html), addressed to the item; what it saves
  // waits in the outbox behind the tap.
  function drawUnder(item, tpl, url, label) {
    var box = tpl.content.firstElementChild.cloneNode(true);
    var form = box.querySelector("form");
    form.setAttribute("action", url);
    form.setAttribute("hx-post", url);
    form.setAttribute("hx-target", "#" + item.id);
    form.setAttribute("hx-swap", "outerHTML");
    form.setAttribute("data-outbox", JSON.stringify({ label: label, target: "#" + item.id }));
    // Ids made the item's own, and what names them (labels, hints, the character count): a
    // field's hint keeps its name after the field's (note-7-privacy), as app.js finds it.
    var ids = Array.prototype.map.call(box.querySelectorAll("[id]"), function (el) { return el.id; });
    var own = function (id) {
      var m = /^(.*)(-count|-privacy|-error)$/.exec(id);
      if (m && ids.indexOf(m[1]) !== -1) return m[1] + "-" + item.id + m[2];
      return id + "-" + item.id;
    };
    box.querySelectorAll("[id]").forEach(function (el) { el.id = own(el.id); });
    box.querySelectorAll("label[for]").forEach(function (el) { el.htmlFor = own(el.htmlFor); });
    box.querySelectorAll("[aria-describedby]").forEach(function (el) {
      el.setAttribute("aria-describedby", el.getAttribute("aria-describedby").split(/\s+/).filter(Boolean).map(own).join(" "));
    });
    box.querySelectorAll("[data-count-for]").forEach(function (el) {
      el.setAttribute("data-count-for", own(el.getAttribute("data-count-for")));
    });
    item.appendChild(box);
    if (window.htmx) window.htmx.process(box);
    return form;
  }

  // A hazard: saved with its note (template#hazard-offline), which opens it with its answer.
  function offlineHazard(item) {
    var tpl = document.getElementById("hazard-offline");
    var url = item.getAttribute("data-hazard-url");
    if (!tpl || !url || item.querySelector(".hazard-form")) return;
    var form = drawUnder(item, tpl, url, item.getAttribute("data-hazard-label"));
    form.querySelector("input[name=photo_uuid]").value = core.newId();
  }

  // A welfare item's "needs attention": what needs attention is asked for under it
  // (template#concern-offline), sent to the item's own address, as the server's page asks;
  // finishing without it would come back refused.
  function offlineConcern(item) {
    var tpl = document.getElementById("concern-offline");
    var buttons = item.querySelector("form.answer-buttons");
    var label = item.getAttribute("data-concern-label");
    if (!tpl || !buttons || !label || item.querySelector(".concern-form")) return;
    drawUnder(item, tpl, buttons.getAttribute("action"), label);
  }

  // ---- a checklist started on a visit still waiting to send -------------------------

  // The checklists come from the caseload the service worker keeps (offline/caseload.json,
  // in the user's page cache: sw.js PAGES + key), with their blank pages.
  var starts = null;
  function keptStarts() {
    var url = document.body.getAttribute("data-offline-caseload");
    if (starts || !url || !window.caches || !user) return Promise.resolve(starts);
    return caches.open("gridbook-pages-" + user).then(function (cache) {
      return cache.match(url, { ignoreVary: true });
    }).then(function (resp) { return resp ? resp.json() : null; }).then(function (data) {
      if (data && data.start_checklist && (data.checklists || []).length) {
        // The prefix of the start buttons, by the waiting visit's purpose (one for all in a
        // caseload kept before the words by purpose).
        starts = { spec: data.start_checklist, templates: data.checklists, text: data.messages.start_checklist,
                   texts: data.messages.start_checklists || {} };
      }
      return starts;
    }, function () { return null; });
  }

  function field(entry, name) {
    var pair = entry.fields.filter(function (f) { return f[0] === name; })[0];
    return pair ? pair[1] : null;
  }

  // Queued behind the visit, addressed by its client UUID (the server resolves it when the
  // visit has arrived); then the blank checklist opens, as for a visit logged with one.
  function startOn(visit, template) {
    var key = core.newId();
    var opens = starts.spec.url.replace(starts.spec.uuid, key) + "?template=" + encodeURIComponent(template.id);
    var data = new FormData();
    data.append("visit_uuid", field(visit, "client_uuid"));
    data.append("template_id", String(template.id));
    data.append("client_uuid", key);
    data.append(core.META, JSON.stringify({
      // The checklist's name says what the visit is for: the visit's label without it.
      user: user, label: template.name + " · " + (visit.brief || visit.label), page: here(), opens: opens
    }));
    core.enqueue(core.entryFrom(starts.spec.action, data, false)).then(function () {
      location.assign(opens);
    }, function (err) {
      toast(err && err.name === "QuotaExceededError" ? S.full : S.failed, "error");
    });
  }

  // The checklists of the waiting visit's purpose and kind, as the saved visit's page offers
  // them (the server refuses any other): a household's on a resident's visit, the site's on a
  // project's (a resident's visit about the works nearby checks no site). None for a purpose
  // that runs none, nor from a caseload kept before the checklists said their purpose and kind.
  function startsFor(visit) {
    var purpose = field(visit, "purpose");
    var onSite = Boolean(field(visit, "project_id"));
    return starts.templates.filter(function (template) {
      return template.purpose === purpose && template.on_site === onSite;
    });
  }

  function startButtons(visit) {
    var p = document.createElement("p");
    p.className = "outbox-start actions";
    var text = document.createElement("span");
    text.textContent = starts.texts[field(visit, "purpose")] || starts.text;
    p.appendChild(text);
    startsFor(visit).forEach(function (template) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "outline";
      b.setAttribute("data-template", template.id);
      b.textContent = template.name;
      b.addEventListener("click", function () { startOn(visit, template); });
      p.appendChild(b);
    });
    return p;
  }

  function startable(entry) {
    return starts && entry.status === WAITING && entry.url === starts.spec.visits && !entry.opens &&
      field(entry, "client_uuid") && field(entry, "resident_id") && startsFor(entry).length > 0;
  }

  // ---- a referral waiting to send ----------------------------------------------------

  // Its panel reads as once it is saved (referrals/_panel.html): the form closed, so that an
  // open, empty form does not invite the same referral typed again; the worker may still open
  // it for another. Closed once per panel drawn, not each time the outbox is counted again.
  function closeRaise(panel) {
    if (!panel) return;
    panel.gridbookClosed = true;
    var raise = panel.querySelector("details.referral-raise");
    if (raise) raise.open = false;
  }

  // A date as the server writes it (the |d filter, medium: "Nov 11, 2026", 2026年11月11日).
  var days;
  try { days = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: "medium", timeZone: "UTC" }); } catch (e) { days = null; }
  function dayText(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
    return m && days ? days.format(new Date(Date.UTC(+m[1], m[2] - 1, +m[3]))) : value;
  }

  // The row the saved referral would have, naming its service, with the outbox's status in
  // place of the server's. False for a panel kept from before it said how (the mark instead).
  function referralRow(panel, entry) {
    var P = panel.dataset;
    if (!panel.matches(".referrals-panel") || !P.referredTo) return false;
    var code = field(entry, "service_code") || "";
    var select = panel.querySelector("select[name=service_code]");
    var option = select ? Array.prototype.filter.call(select.options, function (o) { return o.value === code; })[0] : null;
    var list = panel.querySelector("ul.referral-list");
    if (!list) {
      list = document.createElement("ul");
      list.className = "referral-list";
      list.setAttribute("data-outbox-mark", "");
      panel.prepend(list);
    }
    var li = document.createElement("li");
    li.setAttribute("data-outbox-mark", entry.id);
    var name = document.createElement("span");
    name.textContent = P.referredTo.replace("{service}", option ? option.textContent.trim() : code);
    li.appendChild(name);
    var status = document.createElement("span");
    status.className = "status outbox-status-" + entry.status;
    status.textContent = entry.status === WAITING ? S.waiting : S.refused;
    li.appendChild(document.createTextNode(" "));
    li.appendChild(status);
    var due = field(entry, "follow_up_on");
    if (due && P.checkAgain) {
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = P.checkAgain.replace("{date}", dayText(due));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(meta);
    }
    if (entry.status !== WAITING) {
      if (reasonOf(entry)) li.appendChild(document.createTextNode(" " + reasonOf(entry)));
      var a = document.createElement("a");
      a.href = countEl.getAttribute("href");
      a.textContent = S.open;
      li.appendChild(document.createTextNode(" "));
      li.appendChild(a);
    } else if (!panel.gridbookClosed) {
      closeRaise(panel);
    }
    list.appendChild(li);
    return true;
  }

  // An entry's first words in a <tag class="outbox-excerpt">, or null when it has none: two
  // entries for one resident read alike by their names alone.
  function excerptOf(entry, tag) {
    var words = core.excerpt ? core.excerpt(entry) : "";
    if (!words) return null;
    var el = document.createElement(tag);
    el.className = "outbox-excerpt";
    el.textContent = words;
    return el;
  }

  // A photo waiting to send is shown from the phone's own copy, as a saved one would be.
  var thumbUrls = [];
  function queuedThumbs(entry) {
    var photos = entry.fields.filter(function (f) {
      return f[1] instanceof Blob && /^image\//.test(f[1].type);
    });
    if (!photos.length || !window.URL || !URL.createObjectURL) return null;
    var box = document.createElement("span");
    box.className = "outbox-thumbs";
    photos.forEach(function (f) {
      var img = document.createElement("img");
      img.src = URL.createObjectURL(f[1]);
      thumbUrls.push(img.src);
      img.alt = "";
      box.appendChild(img);
    });
    return box;
  }

  function markPage(entries) {
    thumbUrls.forEach(function (u) { URL.revokeObjectURL(u); });
    thumbUrls = [];
    document.querySelectorAll("[data-outbox-mark], #outbox-here").forEach(function (el) { el.remove(); });
    document.querySelectorAll(".outbox-pending").forEach(function (el) { el.classList.remove("outbox-pending"); });
    var listed = [];
    entries.filter(function (e) { return e.page === here(); }).forEach(function (entry) {
      var target = entry.target ? document.querySelector(entry.target) : null;
      if (!target) { listed.push(entry); return; }
      if (/\/referrals$/.test(entry.url) && referralRow(target, entry)) return;
      target.classList.add("outbox-pending");
      var mark = badge(entry);
      var thumbs = queuedThumbs(entry);
      if (thumbs) mark.appendChild(thumbs);
      target.appendChild(mark);
      // A checklist answer shows the tapped value as chosen, as a saved one would.
      var value = entry.fields.filter(function (f) { return f[0] === "value"; })[0];
      if (value) {
        target.querySelectorAll("button[name=value]").forEach(function (b) {
          b.setAttribute("aria-pressed", b.value === value[1] ? "true" : "false");
        });
        if (value[1] === "hazard") offlineHazard(target);
        if (value[1] === "concern") offlineConcern(target);
      }
    });
    // A hazard described offline shows what was typed (note, severity, date) when the page
    // is drawn again, so that nobody types it twice thinking it lost.
    var drawn = [];
    entries.forEach(function (entry) {
      if (entry.page !== here() || !/\/hazard$/.test(entry.url) || !entry.target) return;
      var item = document.querySelector(entry.target);
      var form = item && item.querySelector("form.hazard-form");
      if (!form) return;
      // Its Save waits here: "All remaining OK" and "Finish" need not wait for it (app.js).
      form.setAttribute("data-note-sent", "");
      // Drawn from its entries once; from then on it holds what the worker types, which a
      // later count (another entry queued, a replay) must not overwrite.
      if (form.gridbookDrawn && drawn.indexOf(form) === -1) return;
      form.gridbookDrawn = true;
      drawn.push(form);
      form.setAttribute("data-queued", "");
      entry.fields.forEach(function (pair) {
        var el = form.elements[pair[0]];
        if (typeof pair[1] !== "string" || !el || el.type === "hidden" || el.type === "file") return;
        if (el.value !== pair[1]) el.value = pair[1];
      });
    });
    // What needs attention, said offline: shown as typed, and "Finish" need not wait for it.
    entries.forEach(function (entry) {
      if (entry.page !== here() || !entry.target) return;
      var note = entry.fields.filter(function (f) { return f[0] === "note"; })[0];
      var value = entry.fields.filter(function (f) { return f[0] === "value"; })[0];
      if (!note || !value || value[1] !== "concern" || typeof note[1] !== "string") return;
      var item = document.querySelector(entry.target);
      var form = item && item.querySelector("form.concern-form");
      if (!form) return;
      form.setAttribute("data-note-sent", "");
      // Once: from then on the form holds what the worker types.
      if (form.gridbookDrawn) return;
      form.gridbookDrawn = true;
      form.elements.note.value = note[1];
    });
    var main = document.getElementById("main");
    if (!listed.length || !main) return;
    var box = document.createElement("section");
    box.id = "outbox-here";
    box.className = "outbox-here";
    var h = document.createElement("h2");
    h.textContent = S.here;
    box.appendChild(h);
    var ul = document.createElement("ul");
    listed.forEach(function (entry) {
      var li = document.createElement("li");
      li.setAttribute("data-outbox-entry", entry.id);
      li.textContent = entry.label + " ";
      li.appendChild(badge(entry));
      var words = excerptOf(entry, "small");
      if (words) li.appendChild(words);
      if (startable(entry)) li.appendChild(startButtons(entry));
      ul.appendChild(li);
    });
    box.appendChild(ul);
    var h1 = main.querySelector("h1");
    if (h1 && h1.parentNode === main) h1.after(box);
    else main.prepend(box);
  }

  function refresh() {
    return keptStarts().then(mine).then(function (entries) {
      var waitingN = entries.filter(function (e) { return e.status === WAITING; }).length;
      var refusedN = entries.length - waitingN;
      var waitingEl = countEl.querySelector(".waiting");
      var refusedEl = countEl.querySelector(".refused-n");
      // A page kept offline before the two counts (no .refused-n) counts everything together.
      countEl.querySelector(".n").textContent = String(refusedEl ? waitingN : entries.length);
      if (waitingEl && refusedEl) {
        waitingEl.hidden = waitingN === 0;
        refusedEl.textContent = refusedN ? refusedEl.getAttribute("data-text").replace("#", refusedN) : "";
        refusedEl.hidden = refusedN === 0;
      }
      countEl.hidden = entries.length === 0;
      countEl.classList.toggle("has-refused", refusedN > 0);
      markPage(entries);
      if (page) page.render(entries);
      return entries;
    }).catch(function () { /* no IndexedDB here (private mode): nothing to show */ });
  }

  // Saved entries of this page: the page reloads in place to show them as saved records.
  var reloadTimer = null;
  function reloadMain() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(function () {
      fetch(here(), { credentials: "same-origin", cache: "no-store" }).then(function (resp) {
        if (!resp.ok || resp.redirected) return null;
        return resp.text();
      }).then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("main");
        var main = document.getElementById("main");
        if (!fresh || !main) return;
        main.innerHTML = fresh.innerHTML;
        // Sent and shown from the server: the "offline, as of" notice no longer holds.
        var banner = document.getElementById("offline-banner");
        if (banner && !doc.body.hasAttribute("data-offline-at")) banner.hidden = true;
        if (window.htmx) window.htmx.process(main);
        refresh();
      }).catch(function () {});
    }, 300);
  }

  if (typeof BroadcastChannel === "function") {
    new BroadcastChannel(core.CHANNEL).onmessage = function (evt) {
      var msg = evt.data || {};
      if (msg.user && msg.user !== user) return;
      if (msg.type === "saved" && msg.page === here() && !page) {
        reloadMain();
        toast(S.saved);
      }
      // The outbox's own page lists from the phone's store, not from the copy it was opened
      // from: an entry that reached the server says the signal is back, and "offline, as of"
      // no longer holds (walk: it stayed over "nothing waiting" until a reload).
      if (msg.type === "saved" && page) {
        var banner = document.getElementById("offline-banner");
        if (banner) banner.hidden = true;
      }
      refresh();
    };
  }

  // ---- sending ---------------------------------------------------------------------

  function hasWaiting(entries) {
    return (entries || []).some(function (e) { return e.status === WAITING; });
  }

  function kickIfWaiting() {
    return mine().then(function (entries) { if (hasWaiting(entries)) return kick(); });
  }

  function kick() {
    if (!user) return Promise.resolve(null);
    var sw = navigator.serviceWorker;
    if (sw && sw.controller) {
      sw.controller.postMessage({ type: "outbox-replay" });
      return Promise.resolve(null);
    }
    return core.replay().then(function (s) { refresh(); return s; });
  }

  // "online" comes when the phone has a link, not always a route to the server yet: ask
  // again a little later too (a replay with nothing waiting costs one small GET).
  window.addEventListener("online", function () {
    kickIfWaiting();
    setTimeout(kickIfWaiting, 3000);
    setTimeout(kickIfWaiting, 10000);
  });

  // ---- logout ----------------------------------------------------------------------

  // What the logout's warning counts: what waits for the network, and apart what the server
  // refused, which waits for the worker.
  function counted(rows) {
    var waitingN = rows.filter(function (e) { return e.status === WAITING; }).length;
    var refusedN = rows.length - waitingN;
    return S.waitingN.replace("#", waitingN) + (refusedN ? " · " + S.refusedN.replace("#", refusedN) : "");
  }

  function logoutDialog(form, rows) {
    var dlg = document.createElement("dialog");
    dlg.id = "outbox-logout";
    dlg.innerHTML = "<article><h2></h2><p class='n'></p><p class='text'></p><p class='form-error' hidden></p>" +
      "<footer><button type='button' class='send'></button> <button type='button' class='secondary keep'></button> " +
      "<button type='button' class='secondary outline cancel'></button></footer></article>";
    dlg.querySelector("h2").textContent = S.logoutTitle;
    dlg.querySelector(".n").textContent = counted(rows);
    dlg.querySelector(".text").textContent = S.logoutText;
    dlg.querySelector(".send").textContent = S.sendNow;
    dlg.querySelector(".keep").textContent = S.keep;
    dlg.querySelector(".cancel").textContent = S.cancel;
    if (navigator.onLine === false) {
      // Without signal "send now" can only fail: keeping them is the step to offer first.
      var send = dlg.querySelector(".send"), keep = dlg.querySelector(".keep");
      send.classList.add("secondary");
      keep.classList.remove("secondary");
      send.parentNode.insertBefore(keep, send);
    }
    document.body.appendChild(dlg);
    function leave() { dlg.close(); dlg.remove(); form.submit(); }
    dlg.querySelector(".cancel").addEventListener("click", function () { dlg.close(); dlg.remove(); });
    dlg.querySelector(".keep").addEventListener("click", leave);
    dlg.querySelector(".send").addEventListener("click", function () {
      var button = this;
      button.setAttribute("aria-busy", "true");
      core.replay().then(function () { return mine(); }).then(function (left) {
        button.removeAttribute("aria-busy");
        refresh();
        if (!left.length) { leave(); return; }
        dlg.querySelector(".n").textContent = counted(left);
        var err = dlg.querySelector(".form-error");
        err.textContent = S.notAll;
        err.hidden = false;
      });
    });
    dlg.showModal();
  }

  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.matches || !form.matches("form[action$='/logout']")) return;
    evt.preventDefault();
    evt.stopImmediatePropagation();
    core.all().then(function (rows) {
      // Entries on this phone (anyone's) must outlive the logout: the server then asks the
      // browser to clear its HTTP cache only, not its storage.
      if (rows.length) hiddenInput(form, "outbox_kept", "1");
      var own = rows.filter(function (e) { return e.user === user; });
      if (own.length) logoutDialog(form, own);
      else form.submit();
    }, function () { form.submit(); });
  }, true);

  // ---- the /outbox page: static/js/outbox-page.js draws it, with what it needs from here --

  var page = null;
  core.page = {
    excerptOf: excerptOf,
    user: user,
    strings: S,
    kick: kick,
    problems: problems,
    showProblems: showProblems,
    show: function (renderer) { page = renderer; return refresh(); }
  };
  var pageEl = document.getElementById("outbox-page");
  if (pageEl && pageEl.getAttribute("data-script")) {
    var pageScript = document.createElement("script");
    pageScript.src = pageEl.getAttribute("data-script");
    document.head.appendChild(pageScript);
  }

  // Every page load sends what waits (and only then asks the server anything).
  refresh().then(function (entries) {
    if (navigator.onLine !== false && hasWaiting(entries)) kick();
  });
})();
