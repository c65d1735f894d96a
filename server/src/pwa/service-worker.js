// Parley's service worker. The server fills in the placeholders for the build it serves
// (server/src/pwa/worker.rs), so every build has its own script, version and cache.

const VERSION = "__VERSION__";
// Files named by their content hash: the cached copy is always right.
const IMMUTABLE = __IMMUTABLE__;
// Everything else the offline shell needs; fetched fresh while online.
const REVALIDATED = __REVALIDATED__;
const OFFLINE_URL = "/offline";
const SHELL_CACHE = "parley-shell-" + VERSION;
// Caches named "parley-data-…" belong to the app's offline data (history of open rooms), not to
// a build: updates keep them, signing out clears them (message CLEAR_DATA).
const DATA_PREFIX = "parley-data-";
// Live traffic is never answered from a cache: the REST API, server functions, the WebSocket,
// the probes, and this script itself.
const NEVER = [/^\/api\//, /^\/rpc\//, /^\/ws$/, /^\/healthz$/, /^\/readyz$/, /^\/sw\.js$/];

const immutable = new Set(IMMUTABLE);
const revalidated = new Set(REVALIDATED);

self.addEventListener("install", (event) => {
  // No skipWaiting(): an update waits until the page agrees to reload (the "new version" banner),
  // so a page never runs one build's WASM against another build's shell.
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) =>
      cache.addAll([
        ...IMMUTABLE,
        // Bypass the HTTP cache so the copy matches this build.
        ...REVALIDATED.map((url) => new Request(url, { cache: "no-cache" })),
      ]),
    ),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      const stale = names.filter(
        (name) => name.startsWith("parley-") && name !== SHELL_CACHE && !name.startsWith(DATA_PREFIX),
      );
      await Promise.all(stale.map((name) => caches.delete(name)));
      // Start the page request while the worker boots instead of after it.
      if (self.registration.navigationPreload) {
        await self.registration.navigationPreload.enable();
      }
    })(),
  );
});

self.addEventListener("message", (event) => {
  const type = event.data && event.data.type;
  if (type === "SKIP_WAITING") {
    self.skipWaiting();
  } else if (type === "CLEAR_DATA") {
    event.waitUntil(
      caches
        .keys()
        .then((names) =>
          Promise.all(names.filter((n) => n.startsWith(DATA_PREFIX)).map((n) => caches.delete(n))),
        ),
    );
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (NEVER.some((pattern) => pattern.test(url.pathname))) return;
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (immutable.has(url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else if (revalidated.has(url.pathname)) {
    event.respondWith(networkFirst(request));
  }
  // Anything else goes to the network as if there were no worker.
});

/** Pages come from the network; without one, the offline page stands in. */
async function page(event) {
  try {
    const preloaded = await event.preloadResponse;
    if (preloaded) return preloaded;
    return await fetch(event.request);
  } catch (offline) {
    const fallback = await offlinePage(event.request);
    if (fallback) return fallback;
    throw offline;
  }
}

/**
 * What to show for a page the network cannot deliver. The place to add offline copies of
 * pages: look them up here (in a "parley-data-…" cache) before falling back to the offline page.
 */
async function offlinePage(request) {
  const cache = await caches.open(SHELL_CACHE);
  return cache.match(OFFLINE_URL);
}

async function cacheFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(request, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (offline) {
    const cached = await cache.match(request, { ignoreVary: true });
    if (cached) return cached;
    throw offline;
  }
}
