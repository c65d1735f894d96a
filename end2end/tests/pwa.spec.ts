import { ChildProcess, spawn } from "node:child_process";
import { appendFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { APIRequestContext, expect, Page, test } from "@playwright/test";

// Issue #7: the app installs (manifest + service worker with a fetch handler + icons), the
// shell works offline, built files are cached for good and sent compressed, and a new build is
// offered as "a new version is ready" instead of being mixed into a running page.

test.use({ serviceWorkers: "allow" });

const IMMUTABLE = "public, max-age=31536000, immutable";
// The main module and its JS glue; a page's own WASM chunks are preloaded the same way.
const MAIN_WASM = 'link[rel=preload][as="fetch"][href^="/pkg/parley."]';
const MAIN_JS = 'link[rel=modulepreload][href^="/pkg/parley."]';

/** The WASM chunks the server-rendered page preloads for itself (a split build). */
async function chunkPreloads(page: Page): Promise<string[]> {
  return page
    .locator('link[rel=preload][as="fetch"][href^="/pkg/"]:not([href^="/pkg/parley."])')
    .evaluateAll((links) => links.map((l) => l.getAttribute("href")!));
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): string {
  expect(png.subarray(1, 4).toString("latin1"), "a PNG signature").toBe("PNG");
  return `${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`;
}

async function fetchPng(request: APIRequestContext, src: string): Promise<string> {
  const response = await request.get(src);
  expect(response.status(), src).toBe(200);
  expect(response.headers()["content-type"], src).toBe("image/png");
  return pngSize(await response.body());
}

/** Loads `path`, waits for the worker, and reloads so that the worker controls the page. */
async function controlled(page: Page, path = "/") {
  await page.goto(path);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.evaluate(() => navigator.serviceWorker.ready);
  const response = await page.reload();
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toMatch(/\/sw\.js$/);
  return response;
}

test.describe("installable app", () => {
  test("the manifest is linked, served as application/manifest+json and complete", async ({ page, request }) => {
    await page.goto("/");
    await expect(page.locator('meta[name="theme-color"]')).toHaveAttribute("content", /^#[0-9a-f]{6}$/i);
    expect(await fetchPng(request, (await page.locator('link[rel="apple-touch-icon"]').getAttribute("href"))!)).toBe(
      "180x180",
    );
    const href = await page.locator('link[rel="manifest"]').getAttribute("href");
    expect(href).toBe("/manifest.webmanifest");

    const response = await request.get(href!);
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toBe("application/manifest+json");
    const manifest = await response.json();
    expect(manifest).toMatchObject({ id: "/", name: "Parley", short_name: "Parley", scope: "/", display: "standalone" });
    expect(manifest.start_url).toMatch(/^\//);
    expect(manifest.description.length).toBeGreaterThan(20);
    expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i);
    expect(manifest.background_color).toMatch(/^#[0-9a-f]{6}$/i);

    // Every PNG it names exists, is a PNG, and has the size it claims.
    for (const image of [...manifest.icons, ...manifest.screenshots].filter((i) => i.type === "image/png")) {
      expect(await fetchPng(request, image.src), image.src).toBe(image.sizes);
    }
    const icons = manifest.icons as { sizes: string; type: string; purpose?: string }[];
    const any = (size: string) => icons.some((i) => i.sizes === size && i.type === "image/png" && i.purpose !== "maskable");
    expect(any("192x192") && any("512x512"), "192 and 512 PNG icons").toBe(true);
    expect(icons.some((i) => i.purpose === "maskable" && i.type === "image/png"), "a maskable icon").toBe(true);
    const factors = (manifest.screenshots as { form_factor: string }[]).map((s) => s.form_factor).sort();
    expect(factors).toEqual(["narrow", "wide"]);

    // Chromium's own parser accepts it.
    const cdp = await page.context().newCDPSession(page);
    const parsed = await cdp.send("Page.getAppManifest");
    expect(parsed.url).toMatch(/\/manifest\.webmanifest$/);
    expect(parsed.errors).toEqual([]);
  });

  test("the service worker registers, controls the page after a reload and answers its requests", async ({
    page,
    baseURL,
  }) => {
    await page.goto("/");
    const registration = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return { scope: reg.scope, script: reg.active?.scriptURL };
    });
    expect(registration).toEqual({ scope: `${baseURL}/`, script: `${baseURL}/sw.js` });
    // The first visit is not taken over mid-way; the next page load is.
    const reloaded = await controlled(page);
    // Answered through the worker's fetch handler (network first, for a page).
    expect(reloaded?.fromServiceWorker()).toBe(true);
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");

    // The shell is precached: the stylesheet, script and module of this very build, by name.
    const cached = await page.evaluate(async () => {
      const names = await caches.keys();
      const shell = names.find((n) => n.startsWith("parley-shell-"));
      const cache = await caches.open(shell!);
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    });
    const css = await page.locator("link[rel=stylesheet]").getAttribute("href");
    const wasm = await page.locator(MAIN_WASM).getAttribute("href");
    expect(cached).toEqual(expect.arrayContaining(["/offline", css!, wasm!, "/manifest.webmanifest"]));
    // And the chunks of pages not opened yet, so they open offline too: the room page's chunks
    // are not among the landing page's preloads, yet they are cached.
    const landingChunks = await chunkPreloads(page);
    expect(landingChunks.length, "the landing page preloads its own chunks").toBeGreaterThan(0);
    expect(cached).toEqual(expect.arrayContaining(landingChunks));
    const cachedChunks = cached.filter((p) => /^\/pkg\/(chunk|split)_.*\.wasm$/.test(p));
    expect(cachedChunks.length).toBeGreaterThan(landingChunks.length);
    // Nothing live ever lands in a cache.
    expect(cached.filter((p) => /^\/(api|rpc|ws|healthz|readyz)\b/.test(p))).toEqual([]);
  });

  test("Chromium reports the app installable", async ({ playwright, baseURL }) => {
    // Playwright's usual contexts are incognito, where Chromium never offers to install; a
    // persistent profile is a normal one.
    const profile = mkdtempSync(join(tmpdir(), "parley-profile-"));
    const context = await playwright.chromium.launchPersistentContext(profile, {
      ...test.info().project.use.launchOptions,
      baseURL,
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await controlled(page);
      // Manifest, icons, and a worker with a fetch handler controlling the page.
      const cdp = await context.newCDPSession(page);
      const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
      expect(installabilityErrors).toEqual([]);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  test("offline, a navigation gets the offline page, which comes back by itself", async ({ page, context }) => {
    await controlled(page);
    await context.setOffline(true);
    await page.goto("/rooms/browse");
    await expect(page.getByTestId("offline-page")).toBeVisible();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("You are offline");
    await expect(page.getByRole("status")).toContainText("cannot reach the server");
    // Styled by the precached stylesheet, not bare HTML.
    expect(await page.locator(".site-header").evaluate((e) => getComputedStyle(e).position)).toBe("sticky");
    await expect(page).toHaveURL(/\/rooms\/browse$/);

    await context.setOffline(false);
    await expect(page.getByTestId("offline-page")).toHaveCount(0);
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  });

  test("offline, a page opened for the first time in the tab loads its code from the worker's cache", async ({
    page,
    context,
  }) => {
    await controlled(page);
    // The landing page did not load the sign-in page's chunks; only the worker has them.
    const signInChunks = await page.evaluate(() =>
      performance.getEntriesByType("resource").filter((e) => /\/pkg\/split___sign_in_view/.test(e.name)),
    );
    expect(signInChunks).toEqual([]);
    await context.setOffline(true);
    await page.getByRole("banner").getByRole("link", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Welcome back" })).toBeVisible();
    await expect(page).toHaveURL(/\/signin$/);
    await expect(page.getByTestId("offline-page")).toHaveCount(0);
  });

  test("hashed files are cached for a year and sent compressed; pages and the worker are not cached", async ({
    page,
    request,
  }) => {
    await page.goto("/");
    const css = await page.locator("link[rel=stylesheet]").getAttribute("href");
    const js = await page.locator(MAIN_JS).getAttribute("href");
    const wasm = await page.locator(MAIN_WASM).getAttribute("href");
    for (const [url, ext] of [[css, "css"], [js, "js"], [wasm, "wasm"]] as const) {
      expect(url, "a name with a content hash").toMatch(new RegExp(`^/pkg/parley\\.[\\w-]{22}\\.${ext}$`));
    }
    // The page's own chunks and the loader that fetches them carry hashes too.
    const loader = await page.locator('link[rel=modulepreload][href^="/pkg/__wasm_split."]').getAttribute("href");
    const chunks = await chunkPreloads(page);
    for (const url of [loader!, ...chunks]) {
      expect(url, "a name with a content hash").toMatch(/^\/pkg\/[\w-]+\.[\w-]{22}\.(wasm|js)$/);
    }
    for (const url of [css, js, wasm, loader, chunks[0]]) {
      for (const encoding of ["br", "gzip"]) {
        const response = await request.get(url!, { headers: { "accept-encoding": encoding } });
        expect(response.status()).toBe(200);
        expect(response.headers()["cache-control"], url!).toBe(IMMUTABLE);
        expect(response.headers()["content-encoding"], `${url} with ${encoding}`).toBe(encoding);
      }
    }
    for (const url of ["/", "/sw.js", "/offline", "/manifest.webmanifest"]) {
      const response = await request.get(url);
      expect(response.headers()["cache-control"], url).toMatch(/no-cache|no-store/);
    }
  });
});

// A new build, for real: the test runs its own server on another port, stops it and starts it
// again on a copy of the site that differs in one precached file, as a deployment would.
const port = Number(process.env.E2E_PWA_PORT ?? 3111);
const origin = `http://127.0.0.1:${port}`;
const serverBin = process.env.PARLEY_SERVER_BIN ?? "../target/debug/server";
const siteRoot = resolve(process.env.LEPTOS_SITE_ROOT ?? "../target/site");

class Server {
  private proc?: ChildProcess;
  private output = "";

  async start(site: string): Promise<void> {
    const proc = spawn(serverBin, ["serve"], {
      env: {
        ...process.env,
        SITE_ADDR: `127.0.0.1:${port}`,
        LEPTOS_SITE_ROOT: site,
        DATABASE_URL: process.env.E2E_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/parley_e2e",
        REDIS_URL: "memory",
        AMQP_URL: "memory",
        LOG_LEVEL: "warn",
        PWA: "on",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc = proc;
    process.once("exit", () => proc.kill("SIGKILL"));
    proc.stdout?.on("data", (chunk) => (this.output += chunk));
    proc.stderr?.on("data", (chunk) => (this.output += chunk));
    await expect
      .poll(
        async () => {
          if (proc.exitCode !== null || proc.signalCode !== null) {
            throw new Error(`the server exited while starting:\n${this.output}`);
          }
          return fetch(`${origin}/healthz`).then(
            (r) => r.ok,
            () => false,
          );
        },
        { message: "the server answers /healthz", timeout: 20_000, intervals: [50] },
      )
      .toBe(true);
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGTERM");
    await exited;
  }

  log(): string {
    return this.output;
  }
}

async function workerVersion(): Promise<string> {
  const script = await (await fetch(`${origin}/sw.js`)).text();
  return script.match(/const VERSION = "([0-9a-f]+)"/)![1];
}

async function shellCaches(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await caches.keys()).filter((n) => n.startsWith("parley-shell-")));
}

test.describe("updates", () => {
  let server: Server | undefined;
  let nextSite: string | undefined;

  test.afterEach(async ({}, testInfo) => {
    await server?.stop();
    if (server && testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach("server output", { body: server.log(), contentType: "text/plain" });
    }
    if (nextSite) rmSync(nextSite, { recursive: true, force: true });
    server = undefined;
  });

  test("a new build is offered as a new version and taken only after Reload", async ({ page }) => {
    nextSite = mkdtempSync(join(tmpdir(), "parley-next-site-"));
    cpSync(siteRoot, nextSite, { recursive: true });
    appendFileSync(join(nextSite, "favicon.svg"), "\n<!-- next build -->\n");

    server = new Server();
    await server.start(siteRoot);
    const before = await workerVersion();
    await controlled(page, `${origin}/`);
    expect(await shellCaches(page)).toEqual([`parley-shell-${before}`]);
    await expect(page.getByTestId("update-banner")).toHaveCount(0);

    // Deploy: the same page, still open, now talks to the next build.
    await server.stop();
    await server.start(nextSite);
    const after = await workerVersion();
    expect(after).not.toBe(before);
    // What a browser does on its own on the next navigation or hourly check.
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());

    const banner = page.getByTestId("update-banner");
    await expect(banner).toContainText("A new version of Parley is ready.");
    // Until the user agrees, the old worker keeps serving the old build's cache.
    expect(await shellCaches(page)).toContain(`parley-shell-${before}`);
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.state)).toBe("activated");

    await banner.getByRole("button", { name: "Reload" }).click();
    await expect(banner).toHaveCount(0);
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    await expect.poll(() => shellCaches(page)).toEqual([`parley-shell-${after}`]);
    const state = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      return { waiting: !!reg?.waiting, controlled: !!navigator.serviceWorker.controller };
    });
    expect(state).toEqual({ waiting: false, controlled: true });
  });
});
