// The /outbox page (issue 12): every entry waiting or refused on this phone, to send now,
// correct and send again, or discard by an explicit tap. Loaded by templates/outbox/index.html
// only, after outbox.js, whose count, marks and replay every page needs.
(function () {
  "use strict";

  var core = window.gridbookOutbox;
  var el = document.getElementById("outbox-page");
  if (!core || !core.page || !el) return;
  var user = core.page.user;
  var S = core.page.strings;
  var kick = core.page.kick;
  var WAITING = "waiting";
  var refresh = function () { return core.page.show(renderer); };

  // In the page's language and as the server writes a moment ("Dec 6, 2026, 3:47 PM",
  // 2026年12月6日 15:47), not in the phone's own settings.
  var moments = new Intl.DateTimeFormat(document.documentElement.lang || undefined,
    { dateStyle: "medium", timeStyle: "short" });
  function recordedAt(ms) { return moments.format(new Date(ms)); }

  function outboxPage(el) {
    var P = el.dataset;
    var list = el.querySelector("#outbox-list");
    var open = {};

    function valueOf(entry, name) {
      var f = entry.fields.filter(function (p) { return p[0] === name; })[0];
      return f && typeof f[1] === "string" ? f[1] : "";
    }

    function editor(entry) {
      var form = document.createElement("form");
      form.className = "outbox-edit";
      form.setAttribute("data-unsaved-asks", "");  // app.js: leaving asks while it holds typing
      entry.edit.forEach(function (spec) {
        var label = document.createElement("label");
        label.textContent = spec.label;
        var input;
        if (spec.kind === "textarea") {
          input = document.createElement("textarea");
          input.rows = 3;
        } else if (spec.kind === "select" || spec.kind === "radio") {
          input = document.createElement("select");
          (spec.options || []).forEach(function (o) {
            var opt = document.createElement("option");
            opt.value = o[0];
            opt.textContent = o[1];
            input.appendChild(opt);
          });
        } else {
          input = document.createElement("input");
          input.type = spec.kind;
        }
        input.name = spec.name;
        input.id = "outbox-" + entry.id + "-" + spec.name;
        input.value = valueOf(entry, spec.name);
        if (spec.check) input.setAttribute("data-check", spec.check);
        label.appendChild(input);
        form.appendChild(label);
      });
      var save = document.createElement("button");
      save.type = "submit";
      save.textContent = P.save;
      form.appendChild(save);
      form.addEventListener("submit", function (evt) {
        evt.preventDefault();
        // Corrected into something the server would refuse again: said here, and it stays.
        var found = core.page.problems(form);
        if (found.length) { core.page.showProblems(form, found); return; }
        var data = new FormData(form);
        // What was held back for it goes again with it, behind it (outbox-core.js resend).
        core.resend(entry.id, function (current) {
          entry.edit.forEach(function (spec) {
            var value = data.get(spec.name);
            var kept = current.fields.filter(function (p) { return p[0] !== spec.name; });
            if (value !== null && value !== "") kept.push([spec.name, value]);
            current.fields = kept;
          });
          // Its label names its purpose (outbox.js metaFor): the one it has now.
          var purpose = data.get("purpose");
          if (current.labels && purpose && current.labels[purpose]) current.label = current.labels[purpose];
        }).then(function () {
          delete open[entry.id];
          if (document.activeElement) document.activeElement.blur();
          core.tell({ type: "edited", id: entry.id, user: user });
          refresh();
          kick();
        });
      });
      return form;
    }

    function item(entry) {
      var li = document.createElement("li");
      li.className = "outbox-entry outbox-" + entry.status;
      li.setAttribute("data-outbox-entry", entry.id);
      var h = document.createElement("p");
      var strong = document.createElement("strong");
      strong.textContent = entry.label;
      h.appendChild(strong);
      h.appendChild(document.createTextNode(" "));
      var st = document.createElement("span");
      st.className = "status outbox-status";
      st.textContent = entry.status === WAITING ? S.waiting : S.refused;
      h.appendChild(st);
      li.appendChild(h);
      var words = core.page.excerptOf(entry, "p");
      if (words) li.appendChild(words);
      var meta = document.createElement("p");
      meta.className = "meta";
      var photos = entry.fields.filter(function (f) { return f[1] instanceof Blob; }).length;
      meta.textContent = P.recorded + " " + recordedAt(entry.created) +
        (photos ? " · " + P.photos + " " + photos : "");
      li.appendChild(meta);
      var why = document.createElement("p");
      why.className = "form-error outbox-reason";
      if (entry.held) {
        // Held back (outbox-core.js hold): it points to what it belongs to, listed above it.
        why.textContent = entry.held.what === "visit" ? P.heldVisit : P.heldChecklist;
      } else if (entry.reason) {
        why.textContent = P.reason.replace("{reason}", function () { return entry.reason; });
      }
      if (why.textContent) li.appendChild(why);
      var actions = document.createElement("p");
      if (entry.edit && entry.edit.length) {
        var ed = document.createElement("button");
        ed.type = "button";
        ed.className = "secondary outbox-open";
        ed.textContent = P.edit;
        ed.addEventListener("click", function () { open[entry.id] = true; refresh(); });
        actions.appendChild(ed);
        actions.appendChild(document.createTextNode(" "));
      }
      var del = document.createElement("button");
      del.type = "button";
      del.className = "secondary outline outbox-discard";
      del.textContent = P.discard;
      del.addEventListener("click", function () {
        core.forUser(user).then(function (rows) {
          var now = rows.filter(function (e) { return e.id === entry.id; })[0];
          // What was held back for it (or waits to be) goes with it: one question says how
          // many, rather than a question for each entry left pointing to nothing.
          var n = now ? core.dependents(rows, now).length : 0;
          var ask = n ? (n === 1 ? P.confirmDiscardOne : P.confirmDiscardOther).replace("#", n) : P.confirmDiscard;
          // Nothing leaves the outbox unsent without this explicit confirmation.
          if (!window.confirm(ask)) return;
          return core.discard(entry.id).then(function (gone) {
            gone.forEach(function (id) { core.tell({ type: "discarded", id: id, user: user }); });
            refresh();
          });
        });
      });
      actions.appendChild(del);
      li.appendChild(actions);
      if (open[entry.id]) li.appendChild(editor(entry));
      return li;
    }

    var send = el.querySelector("#outbox-send");
    send.addEventListener("click", function () { kick(); });

    return {
      render: function (entries) {
        // An editor being typed in is left alone; everything else is drawn afresh.
        if (list.querySelector(".outbox-edit input:focus, .outbox-edit textarea:focus, .outbox-edit select:focus")) return;
        list.innerHTML = "";
        if (!entries.length) {
          var li = document.createElement("li");
          li.className = "empty";
          li.textContent = P.empty;
          list.appendChild(li);
        }
        entries.forEach(function (entry) { list.appendChild(item(entry)); });
        core.all().then(function (rows) {
          var others = el.querySelector("#outbox-others");
          var n = rows.filter(function (e) { return e.user !== user; }).length;
          others.textContent = P.others.replace("#", n);
          others.hidden = n === 0;
        });
        send.hidden = !entries.some(function (e) { return e.status === WAITING; });
      }
    };
  }

  var renderer = outboxPage(el);
  refresh();
})();
