/* Gridbook's service worker (scope /), rendered by app/offline/routes.py so that every URL
   comes from url_for. Workbox loads from our own origin: never its CDN default.

   GET only (contract 2, issue 12): pages network first with a short timeout, then the
   signed-in user's own cache; static files from the precache. POSTs belong to the outbox
   (static/js/outbox-core.js, imported below). */
"use strict";

// What the worker is doing now goes first: the caseload waits while a page, a fragment or a
// save is on its way (on 3G, two caseload pages at a time held a first photo's save up for
// minutes behind about 350 of them), or while the outbox sends. A fetch answered by this
// worker counts until its answer is ready (FetchEvent.handled); the caseload's own fetches
// are not fetch events. Listening before anything else: respondWith() stops the event from
// reaching the listeners added after the one that calls it.
let foreground = 0;
let lastForeground = 0;
const QUIET_MS = 500;  // a page's own fragments and scripts follow it

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (!sameOrigin(new URL(request.url))) return;
  if (request.method === "GET" && request.mode !== "navigate" && !isFragment(request)) return;
  foreground += 1;
  const done = () => { foreground -= 1; lastForeground = Date.now(); };
  // Older browsers without `handled`: the request counts for a moment only.
  Promise.resolve(event.handled).then(done, done);
});

importScripts({{ workbox_sw|tojson }});
workbox.setConfig({ modulePathPrefix: {{ workbox_prefix|tojson }}, debug: false });

try {
  importScripts("{{ url_for('static', filename='js/outbox-core.js') }}");
} catch (err) {
  // The outbox's part is not on this server yet: pages and the caseload still work.
}
if (self.gridbookOutbox) self.gridbookOutbox.install(self);

const CONFIG = {{ config|tojson }};
const PAGES = "gridbook-pages-";  // + the user's opaque key (body data-user, contract 3)
const META = "gridbook-meta";
const META_URL = "/__gridbook/meta";
const FRAGMENT_MARK = "gb-fragment";

const { precacheAndRoute, cleanupOutdatedCaches, matchPrecache } = workbox.precaching;
const { registerRoute } = workbox.routing;
const { NetworkFirst, NetworkOnly, StaleWhileRevalidate } = workbox.strategies;
const { ExpirationPlugin } = workbox.expiration;
const { CacheableResponsePlugin } = workbox.cacheableResponse;

workbox.core.setCacheNameDetails({ prefix: "gridbook" });
workbox.core.skipWaiting();
workbox.core.clientsClaim();
cleanupOutdatedCaches();
precacheAndRoute(CONFIG.precache);

/* ---- whose pages: one cache per signed-in user -------------------------------------- */

let meta = null;
// When the signed-in user last changed on this phone. An answer to a request sent before
// then was rendered for whoever was signed in at the time: a caseload page fetched in the
// background for the last user, arriving after the next one signed in, must not make the
// phone take that user for the current one again (their kept pages would stand in for
// the new user's on a slow connection).
let userChangedAt = 0;

async function readMeta() {
  if (meta) return meta;
  const cache = await caches.open(META);
  const stored = await cache.match(META_URL);
  meta = stored ? await stored.json() : { user: "", warmed: {} };
  return meta;
}

async function writeMeta() {
  const cache = await caches.open(META);
  await cache.put(META_URL, new Response(JSON.stringify(meta), {
    headers: { "Content-Type": "application/json" },
  }));
}

async function currentUser() {
  return (await readMeta()).user;
}

// Another user (or nobody) is signed in on this phone: every other user's pages go.
async function setUser(key) {
  const m = await readMeta();
  if (m.user === key) return;
  m.user = key;
  userChangedAt = Date.now();
  m.warmed = {};
  await writeMeta();
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(PAGES) && n !== PAGES + key).map(async (n) => {
    const strategy = strategies.get(n.slice(PAGES.length));
    strategies.delete(n.slice(PAGES.length));
    if (strategy) await strategy.expiration.deleteCacheAndMetadata();
    else await caches.delete(n);
  }));
}

function isHtml(response) {
  return (response.headers.get("Content-Type") || "").startsWith("text/html");
}

// Only a page the server says it rendered for a signed-in user tells who that is; a page
// without the header (the login page) says nobody is. `sentAt`: when its request went out.
function noteUser(response, sentAt) {
  if (!response || response.type !== "basic" || !isHtml(response)) return null;
  if (sentAt < userChangedAt) return null;
  return setUser(response.headers.get(CONFIG.userHeader) || "");
}

function isFragment(request) {
  return request.headers.get("HX-Request") === "true" &&
    !request.headers.get("HX-Boosted") &&
    !request.headers.get("HX-History-Restore-Request");
}

// A page and the htmx fragment of the same URL are two entries (the server varies on
// HX-Request; the cache is read with ignoreVary because it also varies on Cookie).
function cacheKey(request) {
  if (!isFragment(request)) return request;
  const url = new URL(request.url);
  url.searchParams.set(FRAGMENT_MARK, "1");
  return url.href;
}

function cachedAt(response) {
  return Date.parse(response.headers.get("Date") || "") || Date.now();
}

// A page served from the phone says so: offline.js shows "Offline, as of HH:MM".
async function markOffline(response, fragment) {
  const at = String(cachedAt(response));
  const headers = new Headers(response.headers);
  headers.set("X-Gridbook-Offline-At", at);
  let body = response.body;
  if (!fragment && isHtml(response)) {
    body = (await response.text()).replace(/<body\b/, `<body data-offline-at="${at}"`);
  }
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

const strategies = new Map();

function pagesFor(key) {
  let strategy = strategies.get(key);
  if (strategy) return strategy;
  const expiration = new ExpirationPlugin({
    maxAgeSeconds: CONFIG.maxAgeSeconds,
    maxEntries: CONFIG.maxEntries,
    purgeOnQuotaError: true,
  });
  strategy = new NetworkFirst({
    cacheName: PAGES + key,
    networkTimeoutSeconds: CONFIG.networkTimeoutSeconds,
    matchOptions: { ignoreVary: true },
    plugins: [
      { cacheKeyWillBeUsed: async ({ request }) => cacheKey(request) },
      new CacheableResponsePlugin({ statuses: [200] }),
      {
        requestWillFetch: async ({ request, state }) => {
          state.sentAt = Date.now();
          return request;
        },
        fetchDidSucceed: async ({ response, state }) => {
          await noteUser(response, state.sentAt);
          return response;
        },
        // Kept only if rendered for this very user, a user whose pages may be kept (a
        // field worker), and only whole HTML answers.
        cacheWillUpdate: async ({ response }) => (
          response.type === "basic" && isHtml(response) &&
          !response.headers.get("HX-Redirect") &&
          response.headers.get(CONFIG.keepHeader) === "1" &&
          response.headers.get(CONFIG.userHeader) === key ? response : null
        ),
      },
      expiration,  // older than OFFLINE_DAYS: not served, then deleted
      {
        cachedResponseWillBeUsed: async ({ cachedResponse, request }) => (
          cachedResponse ? markOffline(cachedResponse, isFragment(request)) : null
        ),
      },
    ],
  });
  strategy.expiration = expiration;
  strategies.set(key, strategy);
  return strategy;
}

function neverCached(url) {
  return CONFIG.neverCache.includes(url.pathname) || url.pathname.startsWith(CONFIG.staticPrefix);
}

async function fallback(request) {
  if (request.mode === "navigate") {
    const page = await matchPrecache(CONFIG.fallback);
    if (page) return page;
  }
  return Response.error();
}

// The same page without its query (a list's filter or page number) when that exact one was
// not kept: the caseload list answers a search itself (offline.js).
async function samePathCached(key, request) {
  const url = new URL(request.url);
  if (!url.search || request.mode !== "navigate") return null;
  const cache = await caches.open(PAGES + key);
  const hit = await cache.match(url.origin + url.pathname, { ignoreVary: true });
  if (!hit || Date.now() - cachedAt(hit) > CONFIG.maxAgeSeconds * 1000) return null;
  return markOffline(hit, false);
}

// A checklist started without signal, at /screening/u/<its uuid>?template=<id>: until its
// visit (or start) has reached the server, the blank checklist kept for the template stands
// in (static/js/checklist-offline.js addresses its forms by that UUID).
const UUID = /^[0-9a-fA-F-]{36}$/;

function queuedChecklist(url) {
  const prefix = CONFIG.checklistPrefix;
  return url.pathname.startsWith(prefix) && UUID.test(url.pathname.slice(prefix.length)) &&
    url.searchParams.has("template");
}

async function blankChecklist(key, url) {
  const blank = new URL(CONFIG.checklistBlank, url);
  blank.search = new URLSearchParams({ template: url.searchParams.get("template") }).toString();
  const cache = await caches.open(PAGES + key);
  const hit = await cache.match(blank.href, { ignoreVary: true });
  if (!hit || Date.now() - cachedAt(hit) > CONFIG.maxAgeSeconds * 1000) return null;
  return markOffline(hit, false);
}

async function handlePage({ request, event }) {
  const key = await currentUser();
  if (!key) {
    try {
      const sentAt = Date.now();
      const response = await fetch(request);
      await noteUser(response, sentAt);
      return response;
    } catch (err) {
      return fallback(request);
    }
  }
  const url = new URL(request.url);
  const queued = request.mode === "navigate" && queuedChecklist(url);
  try {
    const response = await pagesFor(key).handle({ request, event });
    if (queued && response.status === 404) return (await blankChecklist(key, url)) || response;
    return response;
  } catch (err) {
    return (queued && await blankChecklist(key, url)) ||
      (await samePathCached(key, request)) || fallback(request);
  }
}

/* ---- search without signal, over the kept caseload ---------------------------------- */

const searchNetwork = new NetworkOnly({ networkTimeoutSeconds: CONFIG.networkTimeoutSeconds });

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  })[c]);
}

async function keptCaseload(key) {
  const cache = await caches.open(PAGES + key);
  const hit = await cache.match(CONFIG.caseload, { ignoreVary: true });
  if (!hit || Date.now() - cachedAt(hit) > CONFIG.maxAgeSeconds * 1000) return null;
  return { at: cachedAt(hit), data: await hit.json() };
}

// Full-width digits, letters and + - / ( ) # and the wide space as the ASCII ones, as the
// server's search reads a query (app/validators.py, halfwidth).
const WIDE = /[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff0b\uff0d\uff0f\uff08\uff09\uff03]/g;

function halfwidth(text) {
  return text.replace(WIDE, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\s+/g, " ").trim();
}

// A building named alone ("4栋", "4号楼"): that building, not every address with a 4 in it;
// stored as "4", or as a sheet imported it, "4栋" or "04" (residents/queries.py).
const BUILDING = /^([0-9a-z]+) ?(?:栋|幢|号楼)$/;

function buildingNumber(r) {
  // Kept before the caseload carried "building": its address's first part.
  const stored = r.building !== undefined ? r.building : (r.match[0] || "").split("-")[0];
  return stored.toLowerCase().replace(/(?:栋|幢|号楼|号)$/, "").replace(/^0+/, "");
}

// "5栋1单元504室" or "5 1 504" as the stored address reads, "5-1-504"; "4栋1单元", as the
// resident's page writes the first two parts, "4-1" (residents/queries.py, _address_query).
const ADDRESS = /^[0-9a-z]+(?: ?(?:-|栋|幢|号楼|单元|\/| ) ?[0-9a-z]+)+ ?(?:[室号]|单元)?$/;

function addressQuery(needle) {
  if (!/[0-9]/.test(needle) || !ADDRESS.test(needle)) return needle;
  return needle.replace(/(?:室|号|单元)$/, "").replace(/ ?(?:栋|幢|号楼|单元|\/| ) ?/g, "-")
    .replace(/^-+|-+$/g, "");
}

// The same markup as templates/residents/_rows.html, for the same htmx target.
function searchRows(kept, q, care) {
  const needle = halfwidth(q).toLowerCase();
  const address = addressQuery(needle);
  // A space in a name, typed or stored, does not count: "赵 建国" is 赵建国.
  const inName = needle.replace(/ /g, "");
  const building = needle.match(BUILDING);
  // Read as an address ("2栋3单元" is "2-3"): whole parts, not digits inside one ("2-3" is
  // not in 1-2-301); with 栋 or 号楼 it starts with the building (residents/queries.py).
  const asAddress = address !== needle || /^[0-9a-z]+(?:-[0-9a-z]+)+$/.test(address);
  const fromBuilding = /^[0-9a-z]+ ?(?:栋|幢|号楼)/.test(needle);
  // A building kept as "04" (as a sheet had it) is building 4, as "4栋" alone finds.
  const unpad = (a) => a.replace(/^0+(?=[^-])/, "");
  const wanted = `-${unpad(address)}-`;
  const atAddress = (r) => {
    const whole = `-${unpad(r.match[0].toLowerCase())}-`;
    return fromBuilding ? whole.startsWith(wanted) : whole.includes(wanted);
  };
  // Letters only: the pinyin key, whole syllables or initials ("zly", "zhaolan").
  const letters = /^[a-z' ]+$/.test(needle) ? needle.replace(/[' ]/g, "") : "";
  // At least four digits, however spaced: part of a phone number.
  const digits = needle.replace(/[\s-]/g, "");
  const phone = digits.length >= 4 && /^[0-9]+$/.test(digits) ? digits : "";
  const found = kept.data.residents.filter((r) => (
    (building ? buildingNumber(r) === building[1].replace(/^0+/, "") :
      !needle || r.name.replace(/\s/g, "").toLowerCase().includes(inName) ||
      (asAddress ? atAddress(r) : r.match.some((m) => m.toLowerCase().includes(address))) ||
      (letters && (r.pinyin || "").includes(letters)) ||
      (phone && (r.phone || "").includes(phone))) &&
    (!care || r.care.includes(care))
  ));
  const msg = kept.data.messages;
  let html = '<div id="resident-rows">';
  html += `<p class="meta offline-note">${escapeHtml(msg.searched_here)}</p>`;
  if (!found.length) {
    html += `<p class="empty">${escapeHtml(needle ? msg.no_match.replace("{q}", q) : msg.none)}</p>`;
  }
  html += '<ul class="card-list">';
  for (const r of found) {
    html += `<li id="resident-${r.id}"><a class="row" href="${escapeHtml(r.url)}">` +
      `<strong>${escapeHtml(r.name)}</strong> ` +
      `<span class="meta">${escapeHtml(r.grid)} · ${escapeHtml(r.address)}</span>` +
      `<span class="tags">${r.tags.map((t) => `<span class="tag">${escapeHtml(t)}</span>`).join("")}</span>` +
      "</a></li>";
  }
  html += "</ul></div>";
  return html;
}

async function handleSearch({ request, event }) {
  try {
    return await searchNetwork.handle({ request, event });
  } catch (err) {
    const key = await currentUser();
    const kept = key && await keptCaseload(key);
    if (!kept) return Response.error();
    const url = new URL(request.url);
    const html = searchRows(kept, url.searchParams.get("q") || "", url.searchParams.get("care") || "");
    return new Response(html, {
      headers: {
        "Content-Type": "text/html; charset=utf-8",
        "X-Gridbook-Offline-At": String(kept.at),
      },
    });
  }
}

/* ---- routes (GET only) --------------------------------------------------------------- */

const sameOrigin = (url) => url.origin === self.location.origin;

registerRoute(
  ({ url, request }) => sameOrigin(url) && url.pathname === CONFIG.residents && isFragment(request),
  handleSearch,
);
registerRoute(
  ({ url, request }) => sameOrigin(url) && !neverCached(url) &&
    (request.mode === "navigate" || isFragment(request)),
  handlePage,
);
// Other static files (not in the precache): served at once, refreshed behind.
registerRoute(
  ({ url }) => sameOrigin(url) && url.pathname.startsWith(CONFIG.staticPrefix),
  new StaleWhileRevalidate({
    cacheName: "gridbook-static",
    plugins: [
      new CacheableResponsePlugin({ statuses: [200] }),
      new ExpirationPlugin({ maxEntries: 60 }),
    ],
  }),
);

/* ---- the caseload, fetched in the background after login ----------------------------- */

let warming = null;

function busy() {
  return foreground > 0 || Date.now() - lastForeground < QUIET_MS ||
    !!(self.gridbookOutbox && self.gridbookOutbox.busy && self.gridbookOutbox.busy());
}

async function quiet() {
  while (busy()) await new Promise((resolve) => setTimeout(resolve, 200));
}

async function tellPages(message) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  windows.forEach((w) => w.postMessage(message));
}

async function warm(key, caseloadUrl, event) {
  await setUser(key);
  const m = await readMeta();
  const last = m.warmed[key];
  if (last && Date.now() - last.at < CONFIG.warmEverySeconds * 1000) {
    await tellPages({ type: "gridbook-offline-warmed", key, count: last.count, at: last.at });
    return;
  }
  const headers = { [CONFIG.warmupHeader]: "1" };
  const response = await fetch(caseloadUrl, { credentials: "same-origin", headers });
  if (!response.ok || response.headers.get(CONFIG.userHeader) !== key) return;
  await (await caches.open(PAGES + key)).put(caseloadUrl, response.clone());
  const data = await response.json();
  const jobs = data.pages.map((u) => [u, false]).concat(data.fragments.map((u) => [u, true]));
  let count = 0;
  // Two at a time: the phone keeps working, the server is not flooded at 9 a.m.
  async function worker() {
    while (jobs.length) {
      await quiet();
      if (!jobs.length) return;
      const [url, fragment] = jobs.shift();
      if ((await currentUser()) !== key) return;
      const h = fragment ? { ...headers, "HX-Request": "true" } : headers;
      try {
        const request = new Request(url, { credentials: "same-origin", headers: h });
        const [response, kept] = pagesFor(key).handleAll({ event, request });
        await response;
        await kept;  // in the cache before the page is told the caseload is ready
        count += 1;
      } catch (err) {
        // Lost signal mid-way: what was kept stays; the next page load tries again.
      }
    }
  }
  await Promise.all([worker(), worker()]);
  if ((await currentUser()) !== key) return;
  m.warmed[key] = { at: Date.now(), count };
  await writeMeta();
  await tellPages({ type: "gridbook-offline-warmed", key, count, at: m.warmed[key].at });
}

self.addEventListener("message", (event) => {
  const msg = event.data || {};
  if (msg.type === "gridbook-user") {
    event.waitUntil(setUser(msg.key || ""));
  } else if (msg.type === "gridbook-logout") {
    event.waitUntil(setUser(""));
  } else if (msg.type === "gridbook-warm" && msg.key) {
    warming = warming || warm(msg.key, msg.url, event).finally(() => { warming = null; });
    event.waitUntil(warming);
  }
});
