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
    // At most two at once: a pile of toasts hides the page under it.
    while (box.children.length >= 2) box.removeChild(box.firstChild);
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 4000);
  }

  document.body.addEventListener("toast", function (evt) {
    var d = evt.detail || {};
    showToast(d.message, d.level);
  });

  // A failed request (network gone, server error) must say so; the form keeps its content.
  document.body.addEventListener("htmx:sendError", function () {
    showToast(document.body.dataset.msgOffline || "Not sent: no connection. Try again.", "error");
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

  // Choosing a photo sends it, once made small, with its progress bar: static/js/photos.js.

  // A photo chosen but not sent (offline, failed, still going) is never dropped silently.
  function pendingPhoto(except) {
    var inputs = document.querySelectorAll("input[type=file][data-pending]");
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].files && inputs[i].files.length && inputs[i].form !== except) return inputs[i];
    }
    return null;
  }
  // The browser's own "N files" is hidden under our label: say what is chosen and not yet saved.
  document.addEventListener("change", function (evt) {
    var input = evt.target;
    if (!input.matches || !input.matches(".photo-pick input[type=file]")) return;
    var out = input.parentNode.querySelector(".photo-chosen");
    if (!out) return;
    var n = input.files ? input.files.length : 0;
    out.textContent = n ? out.getAttribute("data-chosen").replace("#", n) : "";
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
    if (!form.hasAttribute("hx-post")) leaving = true;
  }, true);
  window.addEventListener("beforeunload", function (evt) {
    if (leaving || !pendingPhoto(null)) return;
    evt.preventDefault();
    evt.returnValue = "";
  });

  // A print button (a notice): shown only where script runs; without it the browser's menu prints.
  document.querySelectorAll("[data-print]").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () { window.print(); });
  });
})();
