// A chosen photo leaves the phone small (issue 12): at most 1600 px, upright, JPEG 0.8, no
// metadata -- the browser's own decoder and a canvas, no library. It replaces the input's
// files, so htmx or the outbox sends the small one. What cannot be decoded here (HEIC on
// most Android browsers, not a picture) goes as chosen: the server checks and re-encodes
// every upload anyway. Without JavaScript the Upload button sends the full-size file.
(function () {
  "use strict";

  var LONG_SIDE = 1600;
  var QUALITY = 0.8;
  // A photo of unusual detail is encoded again, coarser, rather than sent at a megabyte.
  var MAX_BYTES = 560 * 1024;
  var FALLBACK_QUALITIES = [0.65, 0.5];
  var INPUTS = "form.photo-upload input[type=file], form.hazard-form input[type=file]";

  function canShrink() {
    return typeof createImageBitmap === "function" && typeof DataTransfer === "function";
  }

  function encode(bitmap, width, height, quality) {
    var canvas = typeof OffscreenCanvas === "function"
      ? new OffscreenCanvas(width, height)
      : Object.assign(document.createElement("canvas"), { width: width, height: height });
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";  // a transparent PNG becomes JPEG on white, as the server does
    ctx.fillRect(0, 0, width, height);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(bitmap, 0, 0, width, height);
    if (canvas.convertToBlob) return canvas.convertToBlob({ type: "image/jpeg", quality: quality });
    return new Promise(function (resolve, reject) {
      canvas.toBlob(function (blob) {
        if (blob) resolve(blob); else reject(new Error("toBlob gave nothing"));
      }, "image/jpeg", quality);
    });
  }

  function jpegName(name) {
    var base = (name || "photo").replace(/\.[^./\\]*$/, "");
    return (base || "photo") + ".jpg";
  }

  // One file made small, or the file itself when that cannot be done here.
  async function shrinkFile(file) {
    var bitmap;
    try {
      bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (err) {
      return file;  // not decodable here (HEIC on most Android browsers, not a picture)
    }
    try {
      var scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
      var width = Math.max(1, Math.round(bitmap.width * scale));
      var height = Math.max(1, Math.round(bitmap.height * scale));
      var blob = await encode(bitmap, width, height, QUALITY);
      for (var i = 0; i < FALLBACK_QUALITIES.length && blob.size > MAX_BYTES; i++) {
        blob = await encode(bitmap, width, height, FALLBACK_QUALITIES[i]);
      }
      if (!blob || blob.type !== "image/jpeg" || !blob.size) return file;
      return new File([blob], jpegName(file.name), {
        type: "image/jpeg", lastModified: file.lastModified
      });
    } catch (err) {
      return file;
    } finally {
      bitmap.close();
    }
  }

  // Replace the input's files by their small versions; resolves when done (never rejects).
  async function shrinkInput(input) {
    if (!canShrink()) return;
    var chosen = Array.prototype.slice.call(input.files);
    var small = [];
    for (var i = 0; i < chosen.length; i++) {
      // One at a time: a 12 MP picture decoded takes 48 MB, a cheap phone has little.
      small.push(await shrinkFile(chosen[i]));
    }
    if (small.every(function (f, n) { return f === chosen[n]; })) return;
    try {
      var dt = new DataTransfer();
      small.forEach(function (f) { dt.items.add(f); });
      input.files = dt.files;  // setting files fires no change event: no loop
    } catch (err) {
      // the originals stay; the server makes them small
    }
  }

  function barOf(form) {
    return form ? form.querySelector("progress.upload") : null;
  }

  function hasPhoto(form) {
    var inputs = form.querySelectorAll("input[type=file]");
    for (var i = 0; i < inputs.length; i++) if (inputs[i].files && inputs[i].files.length) return true;
    return false;
  }

  function preparing(bar) {
    if (!bar) return;
    bar.removeAttribute("value");  // indeterminate: the photo is being made small
    bar.classList.add("active");
  }

  function submit(form) {
    if (form.requestSubmit) form.requestSubmit();
    else htmx.trigger(form, "submit");
  }

  // Choosing a photo sends it: the upload form alone, or the hazard form with its note.
  var generation = 0;
  document.addEventListener("change", function (evt) {
    var input = evt.target;
    if (!input.matches || !input.matches(INPUTS)) return;
    if (!input.files || !input.files.length) return;
    var form = input.form;
    var mine = ++generation;
    input.dataset.generation = String(mine);
    form.setAttribute("data-shrinking", "");
    preparing(barOf(form));
    shrinkInput(input).then(function () {
      if (input.dataset.generation !== String(mine)) return;  // chosen again meanwhile
      form.removeAttribute("data-shrinking");
      submit(form);
    });
  });

  // A tap on Save while the photo is made small would send it full-size: the form waits.
  document.addEventListener("submit", function (evt) {
    if (evt.target.hasAttribute && evt.target.hasAttribute("data-shrinking")) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
    }
  }, true);

  // Upload progress counts the request body only (htmx:xhr:progress mixes in the answer).
  document.body.addEventListener("htmx:beforeSend", function (evt) {
    var form = evt.target.closest ? evt.target.closest("form") : null;
    var bar = barOf(form);
    var xhr = evt.detail && evt.detail.xhr;
    if (!bar || !xhr || !xhr.upload || !hasPhoto(form)) return;
    preparing(bar);
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable || !e.total) return;
      bar.max = e.total;
      bar.value = e.loaded;
    });
    xhr.upload.addEventListener("load", function (e) {
      if (e.total) { bar.max = e.total; bar.value = e.total; }
    });
  });
  document.body.addEventListener("htmx:afterRequest", function (evt) {
    var bar = barOf(evt.target.closest ? evt.target.closest("form") : null);
    if (!bar) return;
    bar.classList.remove("active");
    bar.value = 0;
  });

  window.gridbookPhotos = { shrinkFile: shrinkFile, shrinkInput: shrinkInput };
})();
