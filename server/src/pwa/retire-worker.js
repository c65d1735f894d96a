// Served as /sw.js while PWA=off: a browser that installed Parley's worker earlier keeps it until
// the script changes, so this one takes over, drops the build caches and unregisters itself.
// Pages then load from the network exactly as if there had never been a worker.

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith("parley-")).map((n) => caches.delete(n)));
      await self.registration.unregister();
    })(),
  );
});
