import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";

import { Browser, BrowserContext, expect, Page, test } from "@playwright/test";

// The UI performance benchmark of #17: how long the landing page and a room take to hydrate,
// and whether scrolling a 10,000-message room from its newest message to its first and back
// blocks the main thread (long tasks over 50 ms), with the CPU at full speed and slowed down
// four times, as on a mid-range phone. Run by scripts/ui-perf.sh against a release build; it
// writes its figures to UI_PERF_OUT (JSON) for the script's table. The numbers are reported,
// not asserted: a shared machine makes timing a measurement, never a pass/fail test.

const stamp = Date.now().toString(36);
const password = "ui perf password 42";
const messages = Number(process.env.UI_PERF_MESSAGES ?? 10_000);
const runs = Number(process.env.UI_PERF_RUNS ?? 5);
const throttles = (process.env.UI_PERF_THROTTLE ?? "1,4").split(",").map(Number);
const dbUrl = process.env.E2E_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/parley_e2e";

type Load = { ttfb: number; fcp: number; hydrated: number; ready: number };
type Scroll = {
  direction: string;
  seconds: number;
  pages: number;
  longTasks: number;
  over100: number;
  maxTask: number;
  maxRows: number;
};
const results: { throttle: number; page: string; loads: Load[] }[] = [];
const scrolls: ({ throttle: number } & Scroll)[] = [];

function psql(sql: string): string {
  return execFileSync("psql", [dbUrl, "-qAtc", sql], { encoding: "utf8" }).trim();
}

// Records, in every page of the context, when the shell hydrated and every long task.
async function instrumented(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    const w = window as unknown as { __perf: { hydrated?: number; tasks: PerformanceEntry[] } };
    w.__perf = { tasks: [] };
    new PerformanceObserver((list) => w.__perf.tasks.push(...list.getEntries())).observe({
      type: "longtask",
      buffered: true,
    });
    new MutationObserver((_, observer) => {
      if (document.body?.dataset.hydrated === "true") {
        w.__perf.hydrated = performance.now();
        observer.disconnect();
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
  });
  return context;
}

async function throttle(page: Page, rate: number) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate });
}

// Opens `path` in a fresh context (a cold cache, as a first visit) and times it; `ready` is the
// page's own signal that it is usable.
async function timeLoad(
  browser: Browser,
  cookies: Parameters<BrowserContext["addCookies"]>[0],
  rate: number,
  path: string,
  ready: (page: Page) => Promise<void>,
): Promise<Load> {
  const context = await instrumented(browser);
  await context.addCookies(cookies);
  const page = await context.newPage();
  await throttle(page, rate);
  await page.goto(path);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true", { timeout: 60_000 });
  await ready(page);
  const readyAt = await page.evaluate(() => performance.now());
  const load = await page.evaluate((readyAt) => {
    const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
    const fcp = performance.getEntriesByName("first-contentful-paint")[0];
    const w = window as unknown as { __perf: { hydrated?: number } };
    return { ttfb: nav.responseStart, fcp: fcp?.startTime ?? NaN, hydrated: w.__perf.hydrated ?? NaN, ready: readyAt };
  }, readyAt);
  await context.close();
  return load;
}

// Whether the element is at least partly inside the message list's visible area.
async function inView(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((selector) => {
    const el = document.querySelector(selector);
    const list = document.querySelector("[data-testid=messages]");
    if (!el || !list) return false;
    const r = el.getBoundingClientRect();
    const l = list.getBoundingClientRect();
    return r.bottom > l.top && r.top < l.bottom;
  }, selector);
}

// Scrolls the list by wheel steps until `done`, and reports the long tasks in between.
async function scrollThrough(page: Page, direction: "up" | "down", done: () => Promise<boolean>): Promise<Scroll> {
  const list = page.getByTestId("messages");
  await page.evaluate(() => {
    (window as unknown as { __perf: { tasks: PerformanceEntry[] } }).__perf.tasks = [];
  });
  const box = await list.boundingBox();
  if (!box) throw new Error("the message list is not on screen");
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const started = Date.now();
  let maxRows = 0;
  let pages = 0;
  let first: string | null = null;
  while (!(await done())) {
    if (Date.now() - started > 15 * 60_000) throw new Error(`scrolling ${direction} did not finish`);
    await page.mouse.wheel(0, direction === "up" ? -1200 : 1200);
    await page.waitForTimeout(50);
    const now = await page.evaluate(() => {
      const rows = document.querySelectorAll("[data-testid=messages] li.message[data-seq]");
      return { rows: rows.length, first: rows[0]?.getAttribute("data-seq") ?? null };
    });
    maxRows = Math.max(maxRows, now.rows);
    if (first !== null && now.first !== first) pages += 1;
    first = now.first;
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`scrolled ${direction} in ${seconds.toFixed(1)} s`);
  const tasks: number[] = await page.evaluate(() =>
    (window as unknown as { __perf: { tasks: PerformanceEntry[] } }).__perf.tasks.map((t) => t.duration),
  );
  return {
    direction,
    seconds,
    pages,
    longTasks: tasks.length,
    over100: tasks.filter((d) => d > 100).length,
    maxTask: Math.max(0, ...tasks),
    maxRows,
  };
}

test("hydration and scrolling 10,000 messages", async ({ browser, request }) => {
  const names = [`pa_${stamp}`, `pb_${stamp}`];
  for (const name of names) {
    const created = await request.post("/api/v1/auth/register", {
      data: { email: `${name}@example.com`, username: name, password, display_name: `Perf ${name}` },
    });
    expect(created.status()).toBe(201);
  }
  const login = await request.post("/api/v1/auth/login", { data: { login: names[0], password } });
  const token = (await login.json()).access_token;
  const room = await request.post("/api/v1/rooms", {
    headers: { Authorization: `Bearer ${token}` },
    data: { name: `Perf ${stamp}` },
  });
  expect(room.status()).toBe(201);
  const roomId: string = (await room.json()).id;

  // The history goes straight into the table (through the API it would take the send limit's
  // hours): two authors taking turns in runs of one to four messages, a minute apart, with
  // bodies from one line to a paragraph, so rows have the heights, groups and day separators
  // of a real room. The reader has read it all: the room opens at the newest message.
  psql(`
    WITH authors AS (SELECT array_agg(id ORDER BY username) AS ids FROM users WHERE username IN ('${names[0]}', '${names[1]}'))
    INSERT INTO messages (room_id, sender_id, seq, body, created_at)
    SELECT '${roomId}', ids[1 + (s / (1 + s % 4)) % 2], s,
           'Message ' || s || repeat(' lorem ipsum dolor sit amet', (s * 7919) % 23),
           now() - make_interval(mins => ${messages} - s)
    FROM generate_series(1, ${messages}) AS s, authors;
    UPDATE rooms SET last_seq = ${messages} WHERE id = '${roomId}';
    UPDATE room_participants SET last_read_seq = ${messages} WHERE room_id = '${roomId}';
  `);
  expect(Number(psql(`SELECT count(*) FROM messages WHERE room_id = '${roomId}'`))).toBe(messages);

  const signIn = await (await browser.newContext()).newPage();
  await signIn.goto("/signin");
  await expect(signIn.locator("body")).toHaveAttribute("data-hydrated", "true");
  await signIn.getByLabel("Email or username").fill(names[0]);
  await signIn.getByLabel("Password").fill(password);
  await signIn.getByRole("button", { name: "Sign in" }).click();
  await expect(signIn.getByTestId("account-name")).toHaveText(`Perf ${names[0]}`);
  const cookies = await signIn.context().cookies();
  await signIn.context().close();

  const last = `li.message[data-seq="${messages}"]`;
  for (const rate of throttles) {
    const landing: Load[] = [];
    const roomLoads: Load[] = [];
    for (let i = 0; i < runs; i++) {
      landing.push(
        await timeLoad(browser, [], rate, "/", async (page) => {
          await expect(page.getByRole("link", { name: /sign in/i }).first()).toBeVisible();
        }),
      );
      roomLoads.push(
        await timeLoad(browser, cookies, rate, `/rooms/${roomId}`, async (page) => {
          await expect(page.locator(last)).toBeVisible({ timeout: 60_000 });
          await expect(page.getByTestId("chat-status")).toHaveText("Live", { timeout: 60_000 });
        }),
      );
    }
    console.log(`${rate}×: page loads timed`);
    results.push({ throttle: rate, page: "landing", loads: landing });
    results.push({ throttle: rate, page: "room (10,000 messages)", loads: roomLoads });

    const context = await instrumented(browser);
    await context.addCookies(cookies);
    const page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await throttle(page, rate);
    await page.goto(`/rooms/${roomId}`);
    await expect(page.locator(last)).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId("chat-status")).toHaveText("Live", { timeout: 60_000 });
    scrolls.push({ throttle: rate, ...(await scrollThrough(page, "up", () => inView(page, 'li.message[data-seq="1"]'))) });
    scrolls.push({ throttle: rate, ...(await scrollThrough(page, "down", () => inView(page, last))) });
    await context.close();
    save();
  }

});

// Writes what has been measured so far, so a run cut short still reports its finished phases.
function save() {
  const out = process.env.UI_PERF_OUT;
  if (out) writeFileSync(out, JSON.stringify({ messages, runs, results, scrolls }, null, 2));
}
