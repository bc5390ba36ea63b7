// The outbox: entries recorded without a network, kept on the phone (IndexedDB) until the
// server confirms them or the worker discards them. Shared by the service worker (loaded by
// importScripts; install(self) adds its fetch, sync and message listeners) and the pages
// (window.gridbookOutbox). Plain IndexedDB behind a small promise helper: the store is one
// object store with an auto-increment key, which keeps the entries in the order they were made.
(function (self) {
  "use strict";

  var DB_NAME = "gridbook-outbox";
  var STORE = "entries";
  var CHANNEL = "gridbook-outbox";
  var LOCK = "gridbook-outbox-replay";
  var SYNC_TAG = "gridbook-outbox";
  var STATE_URL = "/outbox/state";
  // POSTs a page may send without a network: visits, checklist answers and "all remaining",
  // hazards, photos, new requests and referrals. Only forms marked data-outbox carry the
  // `_outbox` field that makes an entry of them; any other POST to these URLs fails as before.
  var CAPABLE = [
    /^\/visits$/,
    /^\/screening$/,
    /^\/screening\/(\d+|u\/[0-9a-fA-F-]{36})\/items\/\d+(\/hazard)?$/,
    /^\/screening\/(\d+|u\/[0-9a-fA-F-]{36})\/(remaining|finish)$/,
    /^\/photos$/,
    /^\/requests$/,
    /^\/referrals$/
  ];
  // A checklist addressed by its UUID (started without signal, screening/show.html blank):
  // while anything older waits, what is done on it waits behind, so that it never reaches
  // the server before the visit or start that makes the screening; and once that visit or
  // start was refused, it is held back at once (behindOf, hold).
  var BEHIND = /^\/screening\/u\//;
  // A new visit is placed in its day by when it was made, not when it arrives: its entry goes
  // with the moment the worker saved it (`created`, the phone's clock, ms since 1970 UTC: an
  // instant whatever zone the phone is set to), which the server takes if believable
  // (app/timeutil.py captured_moment). A visit's edit never waits in the outbox.
  var CAPTURED = /^\/visits$/;
  var CAPTURED_FIELD = "captured_at";
  var META = "_outbox";
  // A request the page sends itself to watch its progress (a photo, online: photos.js); the
  // page keeps the entry if it fails (outbox.js), so the worker lets it by.
  var DIRECT = "X-Gridbook-Direct";
  var NOT_KEPT = ["csrf_token", META];

  var dbPromise = null;

  function openDb() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve, reject) {
      var req = self.indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () {
        var store = req.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
        store.createIndex("id", "id", { unique: true });
      };
      req.onsuccess = function () {
        var db = req.result;
        // Another context upgrading the schema: let it, and reopen next time.
        db.onversionchange = function () { db.close(); dbPromise = null; };
        resolve(db);
      };
      req.onerror = function () { dbPromise = null; reject(req.error); };
    });
    return dbPromise;
  }

  // One transaction; `work(store)` returns the request whose result is wanted (or nothing).
  function tx(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var req = work(t.objectStore(STORE));
        t.oncomplete = function () { resolve(req ? req.result : undefined); };
        // A quota failure surfaces on the transaction (QuotaExceededError): pass it on whole.
        t.onerror = function () { reject(t.error || (req && req.error)); };
        t.onabort = function () { reject(t.error || new Error("outbox transaction aborted")); };
      });
    });
  }

  function all() {
    return tx("readonly", function (s) { return s.getAll(); }).then(function (rows) { return rows || []; });
  }

  function forUser(user) {
    return all().then(function (rows) {
      return rows.filter(function (e) { return user && e.user === user; });
    });
  }

  function get(id) {
    return tx("readonly", function (s) { return s.index("id").get(id); });
  }

  function put(entry) {
    return tx("readwrite", function (s) { return s.put(entry); });
  }

  function remove(id) {
    return get(id).then(function (entry) {
      if (!entry) return;
      return tx("readwrite", function (s) { return s.delete(entry.seq); });
    });
  }

  function newId() {
    if (self.crypto && self.crypto.randomUUID) return self.crypto.randomUUID();
    var b = self.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  var channel = typeof self.BroadcastChannel === "function" ? new self.BroadcastChannel(CHANNEL) : null;

  function tell(message) {
    if (channel) channel.postMessage(message);
  }

  function capable(url) {
    var u = new URL(url, self.location.href);
    if (u.origin !== self.location.origin) return false;
    return CAPABLE.some(function (re) { return re.test(u.pathname); });
  }

  // An entry from a form's data: `_outbox` (set by outbox.js on submit) names the user, the
  // page, a label for people and where on the page the entry shows; the CSRF token is not
  // kept (a fresh one is fetched before each replay).
  function entryFrom(url, formData, htmx, at) {
    var meta;
    try { meta = JSON.parse(formData.get(META) || "null"); } catch (e) { meta = null; }
    if (!meta || !meta.user) return null;
    var fields = [];
    formData.forEach(function (value, name) {
      if (NOT_KEPT.indexOf(name) === -1) fields.push([name, value]);
    });
    return {
      id: newId(),
      user: meta.user,
      created: at || Date.now(),
      url: new URL(url, self.location.href).pathname,
      method: "POST",
      fields: fields,
      label: meta.label || "",
      // The label without what the page adds to tell entries apart (a visit's purpose).
      brief: meta.brief || meta.label || "",
      labels: meta.labels || null,
      page: meta.page || "/",
      target: meta.target || null,
      edit: meta.edit || [],
      // The page to open once queued (a blank checklist for a checklist started here).
      opens: sameOriginPath(meta.opens),
      htmx: !!htmx,
      status: "waiting",
      reason: null
    };
  }

  // The first of an entry's own words (a visit's summary, a hazard's note, a request's
  // text): two entries for one resident read alike by their names alone.
  var WORDS = ["summary", "note", "description", "text", "concern_summary", "notes", "reason", "comment"];
  var EXCERPT = 40;
  function excerpt(entry) {
    for (var i = 0; i < WORDS.length; i++) {
      var f = entry.fields.filter(function (p) { return p[0] === WORDS[i]; })[0];
      var text = f && typeof f[1] === "string" ? f[1].replace(/\s+/g, " ").trim() : "";
      if (!text) continue;
      // Whole characters as a reader sees them (an emoji of several code points stays whole).
      var chars = typeof Intl !== "undefined" && Intl.Segmenter
        ? Array.from(new Intl.Segmenter().segment(text), function (s) { return s.segment; })
        : Array.from(text);
      return chars.length > EXCERPT ? chars.slice(0, EXCERPT).join("") + "…" : text;
    }
    return "";
  }

  function sameOriginPath(url) {
    if (!url) return null;
    var u = new URL(url, self.location.href);
    return u.origin === self.location.origin ? u.pathname + u.search : null;
  }

  // The same save made twice as it stands (a second tap on Save before the first was
  // answered, a hazard's Save again with nothing changed) is the entry already waiting last
  // for that address: a second would only be sent after it, and show as one more waiting
  // (walk: an offline hazard queued twice). The capture time is not what was saved.
  function sameValue(x, y) {
    if (!(x instanceof Blob) && !(y instanceof Blob)) return x === y;
    return x instanceof Blob && y instanceof Blob && x.size === y.size && x.type === y.type &&
      (x.name || "") === (y.name || "") && (x.lastModified || 0) === (y.lastModified || 0);
  }

  function sameSave(a, b) {
    var fa = a.fields.filter(function (f) { return f[0] !== CAPTURED_FIELD; });
    var fb = b.fields.filter(function (f) { return f[0] !== CAPTURED_FIELD; });
    return a.url === b.url && fa.length === fb.length && fa.every(function (pair, i) {
      return pair[0] === fb[i][0] && sameValue(pair[1], fb[i][1]);
    });
  }

  // One at a time in this context, so that two taps' saves are compared, not both stored.
  var queuing = Promise.resolve();

  function enqueue(entry) {
    var done = queuing.then(function () {
      return forUser(entry.user).then(function (rows) {
        var last = rows.filter(function (e) { return e.url === entry.url; }).pop();
        if (entry.status === "waiting" && last && last.status === "waiting" && sameSave(last, entry)) {
          return last;
        }
        return put(entry).then(function () { return entry; });
      });
    }).then(function (kept) {
      tell({ type: "queued", id: kept.id, user: kept.user, page: kept.page });
      return kept;
    });
    queuing = done.catch(function () {});
    return done;
  }

  // ---- replay ---------------------------------------------------------------------

  // Whether the server answers now: for a step that never waits in the outbox (discarding a
  // checklist), which the page then sends, or says it needs signal.
  function reachable() {
    return fetch(STATE_URL, {
      credentials: "same-origin",
      cache: "no-store",
      redirect: "manual",
      headers: { Accept: "application/json" }
    }).then(function () { return true; }, function () { return false; });
  }

  function fetchState() {
    return fetch(STATE_URL, {
      credentials: "same-origin",
      cache: "no-store",
      redirect: "manual",
      headers: { Accept: "application/json" }
    }).then(function (resp) {
      if (resp.status !== 200) return { signedOut: true };
      return resp.json();
    });
  }

  function bodyOf(entry, csrf) {
    var body = new FormData();
    var captured = CAPTURED.test(entry.url) && typeof entry.created === "number";
    entry.fields.forEach(function (pair) {
      var value = pair[1];
      if (captured && pair[0] === CAPTURED_FIELD) return;
      if (value instanceof Blob) body.append(pair[0], value, value.name || "photo.jpg");
      else body.append(pair[0], value);
    });
    // From `created` at each send, so that entries queued before this script knew of it go
    // with their time too, and every resend of an entry carries the same one.
    if (captured) body.append(CAPTURED_FIELD, String(Math.floor(entry.created)));
    body.append("csrf_token", csrf);
    return body;
  }

  function send(entry, state) {
    return fetch(entry.url, {
      method: "POST",
      body: bodyOf(entry, state.csrf),
      credentials: "same-origin",
      redirect: "manual",
      cache: "no-store",
      headers: {
        "X-CSRFToken": state.csrf,
        "X-Gridbook-Replay": "1",
        "X-Gridbook-User": state.user,
        Accept: "application/json"
      }
    }).then(function (resp) {
      var type = resp.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        // Not our protocol's answer (a proxy's error page, a redirect): try again later.
        return { status: "retry" };
      }
      return resp.json();
    });
  }

  // ---- what an entry belongs to ----------------------------------------------------

  // Some entries belong to a record an earlier entry makes: a checklist's answers, hazards,
  // "all remaining" and finish are addressed to it by the UUID its start (or the visit that
  // started it) gave it; a checklist started on a visit still waiting names that visit's
  // UUID. Once that earlier entry is refused, the record does not exist: sent anyway, each
  // would be refused as a record not found, which reads as data lost. They are held back
  // instead, refused at once, saying what they belong to (the pages word it: `held`).
  var ON_CHECKLIST = /^\/screening\/u\/([0-9a-fA-F-]{36})\//;

  function fieldOf(entry, name) {
    var pair = entry.fields.filter(function (f) { return f[0] === name; })[0];
    return pair && typeof pair[1] === "string" ? pair[1].toLowerCase() : null;
  }

  function belongsTo(entry) {
    var on = ON_CHECKLIST.exec(entry.url);
    return [on ? on[1].toLowerCase() : null, fieldOf(entry, "visit_uuid")].filter(Boolean);
  }

  // The records refused entries would have made, by UUID, each with the entry that would.
  function unmade(rows) {
    var out = {};
    rows.forEach(function (e) { noteUnmade(out, e); });
    return out;
  }

  function noteUnmade(map, entry) {
    var key = entry.status === "refused" && fieldOf(entry, "client_uuid");
    if (key && !map[key]) map[key] = entry;
  }

  function holderOf(entry, map) {
    var keys = belongsTo(entry).filter(function (k) { return map[k]; });
    return keys.length ? map[keys[0]] : null;
  }

  function hold(entry, by) {
    entry.status = "refused";
    entry.reason = null;
    // What the page says depends on what was refused: a visit, or a checklist's start.
    entry.held = { by: by.id, what: CAPTURED.test(by.url) ? "visit" : "checklist" };
    return entry;
  }

  // What belongs to a refused entry: held back for it, or addressed to a record it (or what
  // belongs to it) was to make; in the order they were made. Nothing belongs to an entry
  // still waiting: its record may be on the server already (its answer lost on the way).
  function dependents(rows, root) {
    if (!root || root.status !== "refused") return [];
    var ids = [root.id];
    var made = {};
    function makes(e) {
      var key = fieldOf(e, "client_uuid");
      if (key) made[key] = true;
    }
    makes(root);
    return rows.filter(function (e) {
      if (e.id === root.id || e.user !== root.user) return false;
      var mine = (e.held && ids.indexOf(e.held.by) !== -1) ||
        belongsTo(e).some(function (k) { return made[k]; });
      if (!mine) return false;
      ids.push(e.id);
      makes(e);
      return true;
    });
  }

  // One readwrite transaction for a read and the writes made from it, so that nothing another
  // context writes (the /outbox page, a replay in the service worker) falls between them:
  // `work(store, done)` reads, writes, and passes done() what the promise resolves with once
  // the transaction has committed.
  function atomically(work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, "readwrite");
        var value;
        work(t.objectStore(STORE), function (v) { value = v; });
        t.oncomplete = function () { resolve(value); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error || new Error("outbox transaction aborted")); };
      });
    });
  }

  function rowsIn(store, then) {
    store.getAll().onsuccess = function (evt) { then(evt.target.result || []); };
  }

  function entryIn(store, id, then) {
    store.index("id").get(id).onsuccess = function (evt) { then(evt.target.result); };
  }

  // A refused entry corrected and sent again (`correct` changes its fields), and what was
  // held back for it, in one step: a page closed halfway cannot leave them held for an
  // entry that waits. `rev` tells a replay that sent it before that its answer is stale.
  function resend(id, correct) {
    return atomically(function (store, done) {
      rowsIn(store, function (rows) {
        var entry = rows.filter(function (e) { return e.id === id; })[0];
        if (!entry) { done(null); return; }
        correct(entry);
        entry.status = "waiting";
        entry.reason = null;
        entry.held = null;
        entry.rev = (entry.rev || 0) + 1;
        var freed = [id];
        // In the order they were made, so what was held for a held entry follows it too.
        rows.forEach(function (e) {
          if (!e.held || freed.indexOf(e.held.by) === -1) return;
          freed.push(e.id);
          e.status = "waiting";
          e.held = null;
          store.put(e);
        });
        store.put(entry);
        done(entry);
      });
    });
  }

  // Discarded by the worker; a refused entry takes what belongs to it along, which could
  // never be saved without it and would point to nothing. The ids of the entries gone.
  function discard(id) {
    return atomically(function (store, done) {
      rowsIn(store, function (rows) {
        var entry = rows.filter(function (e) { return e.id === id; })[0];
        if (!entry) { done([]); return; }
        var gone = [entry].concat(dependents(rows, entry));
        gone.forEach(function (e) { store.delete(e.seq); });
        done(gone.map(function (e) { return e.id; }));
      });
    });
  }

  // Held entries wait again once what held them waits again (corrected) or is gone, which
  // leaves saved only: a discard takes what it held along. So nothing stays held for an
  // entry that is not refused, whatever came between (a page closed, a run that held an
  // entry with what it had read before).
  function heal(user) {
    return atomically(function (store, done) {
      rowsIn(store, function (all) {
        var rows = all.filter(function (e) { return user && e.user === user; });
        var byId = {};
        rows.forEach(function (e) { byId[e.id] = e; });
        // In the order they were made: one freed frees what was held for it, further on.
        rows.forEach(function (e) {
          if (e.status !== "refused" || !e.held) return;
          var by = byId[e.held.by];
          if (by && by.status !== "waiting") return;
          e.status = "waiting";
          e.held = null;
          store.put(e);
        });
        done(rows);
      });
    });
  }

  // The entry as it is now, about to be sent or held back for `by` (refused when the run
  // began): nothing if it is gone or no longer waits (discarded, or held already); not held
  // if `by` waits again (corrected meanwhile: it goes behind it, next run) or is gone.
  function current(entry, by) {
    return atomically(function (store, done) {
      entryIn(store, entry.id, function (now) {
        if (!now || now.status !== "waiting") { done({}); return; }
        if (!by) { done({ send: now }); return; }
        entryIn(store, by.id, function (holder) {
          if (!holder) done({ send: now });
          else if (holder.status === "waiting") done({ later: now });
          else { store.put(hold(now, holder)); done({ held: now }); }
        });
      });
    });
  }

  // The server's refusal, written on the entry as it is now: not on one the worker discarded
  // meanwhile, nor over a correction made while it was on its way (its rev moved on: the
  // corrected entry waits to go in its turn).
  function settle(sent, reason) {
    return atomically(function (store, done) {
      entryIn(store, sent.id, function (now) {
        if (!now || now.status !== "waiting" || (now.rev || 0) !== (sent.rev || 0)) {
          done({ changed: !!now });
          return;
        }
        now.status = "refused";
        now.reason = reason;
        now.held = null;
        store.put(now);
        done({ refused: now });
      });
    });
  }

  // Oldest first; stops at the first network failure or sign-out, keeping the rest.
  function replayOnce() {
    var summary = { saved: 0, refused: 0, stopped: null };
    return fetchState().then(function (state) {
      if (state.signedOut) { summary.stopped = "signed_out"; return summary; }
      return heal(state.user).then(function (rows) {
        var queue = rows.filter(function (e) { return e.status === "waiting"; });
        var notMade = unmade(rows);
        // Records whose maker was corrected while this run went: what is addressed to them
        // goes behind it, in the next run (`summary.again`).
        var later = {};
        function refused(entry) {
          summary.refused++;
          noteUnmade(notMade, entry);
          tell({ type: "refused", id: entry.id, user: entry.user, page: entry.page, reason: entry.reason });
          return next();
        }
        function putOff(entry) {
          var key = fieldOf(entry, "client_uuid");
          if (key) later[key] = true;
          summary.again = true;
          return next();
        }
        function next() {
          var entry = queue.shift();
          if (!entry) return summary;
          if (belongsTo(entry).some(function (k) { return later[k]; })) return putOff(entry);
          return current(entry, holderOf(entry, notMade)).then(function (now) {
            if (now.held) return refused(now.held);
            if (now.later) return putOff(now.later);
            if (!now.send) return next();
            return sendNow(now.send);
          });
        }
        function sendNow(entry) {
          return sendWithFreshToken(entry, state).then(function (answer) {
            if (answer.status === "saved") {
              summary.saved++;
              return remove(entry.id).then(function () {
                tell({ type: "saved", id: entry.id, user: entry.user, page: entry.page, url: answer.url || null });
                return next();
              });
            }
            if (answer.status === "refused") {
              return settle(entry, answer.reason || "").then(function (done) {
                if (done.refused) return refused(done.refused);
                if (done.changed) summary.again = true;
                return next();
              });
            }
            summary.stopped = answer.status || "retry";
            return summary;
          });
        }
        return next();
      });
    }).catch(function (err) {
      // A network failure (server gone, offline) mid-run: what is left waits for next time.
      summary.stopped = "network";
      summary.error = String(err);
      return summary;
    });
  }

  function sendWithFreshToken(entry, state) {
    return send(entry, state).then(function (answer) {
      if (answer.status !== "csrf") return answer;
      // The token expired between the state call and this entry: one fresh token, one retry.
      return fetchState().then(function (fresh) {
        if (fresh.signedOut || fresh.user !== state.user) return { status: "signed_out" };
        state.csrf = fresh.csrf;
        return send(entry, state);
      }).then(function (again) {
        return again.status === "csrf" ? { status: "retry" } : again;
      });
    });
  }

  // One replayer at a time: within this context by a shared promise, across contexts (a
  // page replaying without a service worker, a second tab) by a Web Lock where there is one.
  var running = null;
  var again = false;

  function replay() {
    if (running) { again = true; return running; }
    running = locked(loop).then(function (summary) {
      running = null;
      tell({ type: "replayed", summary: summary });
      return summary;
    }, function (err) { running = null; throw err; });
    return running;
  }

  function loop() {
    again = false;
    return replayOnce().then(function (summary) {
      if ((again || summary.again) && !summary.stopped) return loop();
      return summary;
    });
  }

  function locked(work) {
    var locks = self.navigator && self.navigator.locks;
    if (!locks) return work();
    return locks.request(LOCK, function () { return work(); });
  }

  // ---- the service worker's part --------------------------------------------------

  // Header values are bytes: a label in Chinese goes as \uXXXX escapes (JSON reads them back).
  function asciiJson(value) {
    return JSON.stringify(value).replace(/[\u007f-\uffff]/g, function (c) {
      return "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4);
    });
  }

  function queuedAnswer(entry, htmx, page, failure) {
    var origin = self.location.origin;
    if (htmx) {
      var events = {};
      if (failure) events["outbox-full"] = { quota: failure.name === "QuotaExceededError" };
      else if (entry.held) events["outbox-held"] = { id: entry.id, what: entry.held.what };
      else events["outbox-queued"] = { id: entry.id, label: entry.label };
      var headers = { "HX-Trigger": asciiJson(events), "HX-Reswap": "none" };
      if (!failure && entry.opens) headers["HX-Redirect"] = entry.opens;
      return new Response("", { status: 202, headers: headers });
    }
    if (!failure && entry.opens) return Response.redirect(new URL(entry.opens, origin).href, 303);
    var back = new URL(page || "/", origin);
    back.hash = failure ? (failure.name === "QuotaExceededError" ? "outbox-full" : "outbox-failed")
      : entry.held ? "outbox-held-" + entry.held.what : "outbox-queued";
    return Response.redirect(back.href, 303);
  }

  // A save the page found the server would refuse (a required field empty, a date in the
  // future: outbox.js) is not kept to be refused later, when the worker has left: the form
  // stays as it is, and the page says why (htmx), or the page stays as it was (a plain form).
  function refusedHere(htmx) {
    if (!htmx) return new Response(null, { status: 204 });
    return new Response("", {
      status: 200,
      headers: { "HX-Trigger": asciiJson({ "outbox-invalid": {} }), "HX-Reswap": "none" }
    });
  }

  // `by`: a refused entry this one belongs to, which holds it back at once (hold).
  function keep(copy, networkError, at, by) {
    var htmx = copy.headers.get("HX-Request") === "true";
    return copy.formData().then(function (data) {
      var meta;
      try { meta = JSON.parse(data.get(META) || "null"); } catch (e) { meta = null; }
      if (meta && meta.user && meta.invalid) return refusedHere(htmx);
      var entry = entryFrom(copy.url, data, htmx, at);
      if (!entry) throw networkError;  // not a form that may wait: fails as it always did
      if (by) hold(entry, by);
      return api.enqueue(entry).then(function () {
        registerSync();
        return queuedAnswer(entry, htmx, entry.page, null);
      }, function (storeError) {
        return queuedAnswer(entry, htmx, entry.page, storeError);
      });
    });
  }

  // Whether a save on a checklist addressed by its UUID waits behind older entries ({by:
  // null}), is held back at once ({by: the refused entry that was to make its checklist or
  // visit}: tapped on the blank checklist still shown), or goes now (null).
  function behindOf(request) {
    return request.clone().formData().then(function (data) {
      var meta = JSON.parse(data.get(META) || "null");
      if (!meta || !meta.user) return null;
      return forUser(meta.user).then(function (rows) {
        var by = holderOf({ url: new URL(request.url).pathname, fields: [] }, unmade(rows));
        if (by) return { by: by };
        return rows.some(function (e) { return e.status === "waiting"; }) ? { by: null } : null;
      });
    }).catch(function () { return null; });
  }

  function capture(request) {
    // When the worker pressed save: a fetch on a failing link may take a while to give up.
    var at = Date.now();
    var copy = request.clone();
    var behind = BEHIND.test(new URL(request.url).pathname) ? behindOf(request) : Promise.resolve(null);
    return behind.then(function (found) {
      if (!found) return fetch(request).catch(function (err) { return keep(copy, err, at); });
      // Queued behind the older entries, and sent with them now if the network is there.
      return keep(copy, new TypeError("outbox: waits behind older entries"), at, found.by).then(function (resp) {
        if (!found.by) replay();
        return resp;
      });
    });
  }

  function registerSync() {
    var reg = self.registration;
    if (reg && reg.sync && reg.sync.register) reg.sync.register(SYNC_TAG).catch(function () {});
  }

  function install(sw) {
    sw.addEventListener("fetch", function (event) {
      var req = event.request;
      if (req.method !== "POST" || !capable(req.url) || req.headers.get(DIRECT)) return;
      event.respondWith(capture(req));
    });
    sw.addEventListener("sync", function (event) {
      if (event.tag !== SYNC_TAG) return;
      // Rejecting tells the browser to try again later (its own back-off).
      event.waitUntil(replay().then(function (s) {
        if (s.stopped === "network" || s.stopped === "retry") throw new Error("outbox: not all sent");
      }));
    });
    sw.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "outbox-replay") event.waitUntil(replay());
    });
  }

  var api = {
    install: install,
    all: all,
    forUser: forUser,
    get: get,
    put: put,
    remove: remove,
    enqueue: enqueue,
    entryFrom: entryFrom,
    resend: resend,
    discard: discard,
    dependents: dependents,
    DIRECT: DIRECT,
    replay: replay,
    busy: function () { return !!running; },
    excerpt: excerpt,
    reachable: reachable,
    capable: capable,
    newId: newId,
    tell: tell,
    CHANNEL: CHANNEL,
    META: META
  };
  self.gridbookOutbox = api;
})(self);
