// A chosen photo leaves the phone small (issue 12): at most 1600 px, upright, JPEG 0.8, no
// metadata -- the browser's own decoder and a canvas, no library. It replaces the input's
// files, so htmx or the outbox sends the small one. What cannot be decoded here (HEIC on
// most Android browsers, not a picture) goes as chosen: the server checks and re-encodes
// every upload anyway. Without JavaScript the Upload button (hidden once this script runs)
// sends the full-size file.
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

  // When the photo was taken, read before the canvas drops every bit of metadata: EXIF
  // DateTimeOriginal (and OffsetTimeOriginal where the camera wrote it) from the JPEG's APP1
  // segment, as "YYYY:MM:DD HH:MM:SS[+HH:MM]"; "" when there is none. Two tags of one
  // segment, so a DataView walk of its first IFDs rather than a library (exifr's smallest
  // build is some 25 KB more on every page with a photo form); the server checks the value
  // as strictly as a file's own (app/photos/pipeline.py). Never where: no GPS is read.
  var EXIF_HEAD = 256 * 1024;  // APP1 comes first, within 64 KB; a little more for safety
  function readExifTime(v) {
    if (v.getUint16(0) !== 0xFFD8) return "";
    var off = 2;
    while (off + 10 <= v.byteLength) {
      var marker = v.getUint16(off);
      if ((marker & 0xFF00) !== 0xFF00 || marker === 0xFFDA) return "";  // image data: no EXIF
      if (marker === 0xFFE1 && v.getUint32(off + 4) === 0x45786966) return tiffTime(v, off + 10);
      off += 2 + v.getUint16(off + 2);
    }
    return "";
  }
  function tiffTime(v, tiff) {
    var little = v.getUint16(tiff) === 0x4949;  // "II": Intel order; "MM": Motorola
    function u16(o) { return v.getUint16(tiff + o, little); }
    function u32(o) { return v.getUint32(tiff + o, little); }
    function ifd(at) {  // tag -> offset of its 12-byte entry
      var out = {};
      for (var i = 0, n = u16(at); i < n; i++) out[u16(at + 2 + i * 12)] = at + 2 + i * 12;
      return out;
    }
    function ascii(entry) {
      if (entry === undefined || u16(entry + 2) !== 2) return "";  // type 2: ASCII
      var count = u32(entry + 4), at = count > 4 ? u32(entry + 8) : entry + 8, out = "";
      for (var i = 0; i < count && i < 32; i++) {
        var c = v.getUint8(tiff + at + i);
        if (!c) break;
        out += String.fromCharCode(c);
      }
      return out;
    }
    var exifPointer = ifd(u32(4))[0x8769];
    if (exifPointer === undefined) return "";
    var exif = ifd(u32(exifPointer + 8));
    var taken = ascii(exif[0x9003]);
    if (!/^\d{4}:\d\d:\d\d \d\d:\d\d:\d\d/.test(taken)) return "";
    var offset = ascii(exif[0x9011]);
    return taken.slice(0, 19) + (/^[+-]\d\d:\d\d$/.test(offset) ? offset : "");
  }
  function exifTime(file) {
    if (!file.slice || !file.arrayBuffer) return Promise.resolve("");
    return file.slice(0, EXIF_HEAD).arrayBuffer().then(function (buf) {
      try { return readExifTime(new DataView(buf)); } catch (err) { return ""; }  // cut short
    }, function () { return ""; });
  }

  // The times go with the form as `captured_at`, one per file in the input's order.
  function setTimes(input, times) {
    var form = input.form;
    if (!form) return;
    form.querySelectorAll("input[type=hidden][name=captured_at]").forEach(function (el) { el.remove(); });
    times.forEach(function (t) {
      var el = document.createElement("input");
      el.type = "hidden";
      el.name = "captured_at";
      el.value = t;
      form.appendChild(el);
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

  function capturedTimes(form) {
    return Array.prototype.map.call(
      form.querySelectorAll("input[type=hidden][name=captured_at]"), function (el) { return el.value; });
  }

  // Replace the input's files by their small versions; resolves when done (never rejects).
  // `held`: photos the input already held, made small before (a refused form's, see below),
  // which a new choice would replace: they go first, as they are.
  async function shrinkInput(input, held) {
    if (!canShrink()) return;
    var chosen = Array.prototype.slice.call(input.files);
    var small = [], times = [];
    for (var i = 0; i < chosen.length; i++) {
      times.push(await exifTime(chosen[i]));
      // One at a time: a 12 MP picture decoded takes 48 MB, a cheap phone has little.
      small.push(await shrinkFile(chosen[i]));
    }
    if (held) {
      small = held.files.concat(small);
      times = held.times.concat(times);
      chosen = [];  // the input holds the new choice only: its files must be set anew
    }
    setTimes(input, times);
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
    var held = input.gridbookHeld || null;
    input.gridbookHeld = null;
    input.dataset.generation = String(mine);
    form.setAttribute("data-shrinking", "");
    preparing(barOf(form));
    shrinkInput(input, held).then(function () {
      if (input.dataset.generation !== String(mine)) return;  // chosen again meanwhile
      form.removeAttribute("data-shrinking");
      // A hazard not saved yet is saved with its note: the photo waits in the form for Save,
      // as the server would refuse a hazard without a note (and have nowhere to keep it).
      var note = form.hasAttribute("data-needs-note") && form.elements.note;
      if (note && !note.value.trim()) {
        var bar = barOf(form);
        if (bar) { bar.classList.remove("active"); bar.value = 0; }
        note.focus();
        return;
      }
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

  // Under a service worker the upload would pass through it (it keeps the entry when the
  // network fails), and the page would see the whole body "sent" at once: no progress to
  // show. Online, the page sends the photo itself, the worker letting it by (this header),
  // so the bar follows the bytes; if that send fails, outbox.js keeps the entry on the phone
  // as the worker would have. Offline, the worker takes it into the outbox at once.
  document.body.addEventListener("htmx:configRequest", function (evt) {
    var form = evt.target.closest ? evt.target.closest("form") : null;
    var sw = navigator.serviceWorker;
    if (!form || !hasPhoto(form) || navigator.onLine === false || !(sw && sw.controller)) return;
    // A checklist started without signal: its entries go behind its visit, through the worker.
    if (form.closest("#main") && document.querySelector("[data-blank-checklist]")) return;
    evt.detail.headers["X-Gridbook-Direct"] = "1";
  });

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

  // A hazard form the server refused before it could store the photo sent with it (a wrong
  // date; no note, so no hazard to hold it; an expired token) comes back with an empty file
  // input and a line saying the photo is not saved (.photo-held). The input that holds the
  // photo, from the form that was sent, takes the empty one's place: the photo goes with the
  // next Save, and the line says it is kept. An input keeps its files wherever it is put, so
  // this needs no DataTransfer; where the form does not come back refused (saved, or another
  // answer) nothing is put back.
  var sentPhotos = null;
  document.body.addEventListener("htmx:beforeSwap", function (evt) {
    var elt = evt.detail && evt.detail.requestConfig && evt.detail.requestConfig.elt;  // who sent
    var form = elt && elt.closest ? elt.closest("form.hazard-form") : null;
    var input = form ? form.querySelector("input[type=file]") : null;
    sentPhotos = input && input.files && input.files.length
      ? { action: form.getAttribute("action"), input: input, times: capturedTimes(form) }
      : null;
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    var sent = sentPhotos;
    sentPhotos = null;
    if (!sent) return;
    var form = Array.prototype.filter.call(document.querySelectorAll("form.hazard-form"), function (f) {
      return f.getAttribute("action") === sent.action;
    })[0];
    var line = form ? form.querySelector(".photo-held") : null;
    var empty = form ? form.querySelector("input[type=file]") : null;
    if (!line || !empty || empty === sent.input) return;
    empty.replaceWith(sent.input);
    setTimes(sent.input, sent.times);
    // A photo chosen next would replace these in the input: photos.js adds it to them.
    sent.input.gridbookHeld = { files: Array.prototype.slice.call(sent.input.files), times: sent.times };
    line.textContent = line.getAttribute("data-kept");
    var chosen = sent.input.parentNode.querySelector(".photo-chosen");
    if (chosen) chosen.textContent = chosen.getAttribute("data-chosen").replace("#", sent.input.files.length);
  });

  // A send the server answered with an error (busy, too large, a fault) keeps the photo in
  // the form, and the page says "not saved": the Upload button comes back for that form, so
  // the same photo can be sent again (choosing the same file again may fire no change).
  document.body.addEventListener("htmx:responseError", function (evt) {
    var form = evt.target.closest ? evt.target.closest("form.photo-upload") : null;
    if (form && hasPhoto(form)) form.classList.add("photo-retry");
  });

  // From here a chosen photo sends itself: the Upload button (app.css) is for pages without JS.
  document.documentElement.classList.add("photos-auto");

  window.gridbookPhotos = { shrinkFile: shrinkFile, shrinkInput: shrinkInput, exifTime: exifTime };
})();
