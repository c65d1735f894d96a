import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { APIRequestContext, Browser, BrowserContext, expect, Page, test } from "@playwright/test";

// Sends made without a connection: kept on the device (IndexedDB), shown as pending, sent
// once the connection is back, exactly once, also after a reload.

test.use({ serviceWorkers: "allow" });

const stamp = Date.now().toString(36);
const password = "offline e2e password 42";

async function register(request: APIRequestContext, name: string): Promise<string> {
  const created = await request.post("/api/v1/auth/register", {
    data: { email: `${name}@example.com`, username: name, password, display_name: name },
  });
  expect(created.status()).toBe(201);
  return (await created.json()).access_token;
}

async function openRoom(browser: Browser, name: string, roomId: string): Promise<[BrowserContext, Page]> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`/signin?next=/rooms/${roomId}`);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email or username").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("chat-status")).toHaveText("Live");
  return [context, page];
}

async function send(page: Page, text: string) {
  const composer = page.getByRole("textbox", { name: "Message", exact: true });
  await composer.fill(text);
  await composer.press("Enter");
}

test("messages written offline go out exactly once when the connection returns", async ({
  browser,
  request,
}) => {
  const ann = `oann_${stamp}`;
  const ben = `oben_${stamp}`;
  const annToken = await register(request, ann);
  const benToken = await register(request, ben);
  const room = await request.post("/api/v1/rooms", {
    headers: { Authorization: `Bearer ${annToken}` },
    data: { name: `Offline ${stamp}` },
  });
  const roomId = (await room.json()).id;
  await request.post(`/api/v1/rooms/${roomId}/join`, { headers: { Authorization: `Bearer ${benToken}` } });

  const [annContext, annPage] = await openRoom(browser, ann, roomId);
  const [, benPage] = await openRoom(browser, ben, roomId);
  const once = (page: Page, text: string) =>
    expect(page.getByTestId("messages").locator("li.message", { hasText: text })).toHaveCount(1);

  // Offline: the message waits as pending, then goes out when the network is back.
  await annContext.setOffline(true);
  await send(annPage, "written while offline");
  await expect(annPage.getByTestId("pending-message")).toContainText("written while offline");
  await annContext.setOffline(false);
  await once(annPage, "written while offline");
  await once(benPage, "written while offline");
  await expect(annPage.getByTestId("pending-message")).toHaveCount(0);

  // The server unreachable for requests, then a reload: the message was kept on the device,
  // the room shows the copy saved there, and the message goes out once over the socket.
  await annPage.route("**/rpc/**", (route) => route.abort());
  await send(annPage, "kept across a reload");
  await expect(annPage.getByTestId("pending-message")).toContainText("Not sent");
  await annPage.reload();
  await expect(annPage.locator("body")).toHaveAttribute("data-hydrated", "true");
  await once(annPage, "written while offline");
  await once(annPage, "kept across a reload");
  await once(benPage, "kept across a reload");
  await expect(annPage.getByTestId("pending-message")).toHaveCount(0);
  await annPage.unroute("**/rpc/**");

  // Stored once each, and nothing is left to send after another reload.
  const history = await request.get(`/api/v1/rooms/${roomId}/messages`, {
    headers: { Authorization: `Bearer ${benToken}` },
  });
  const bodies: string[] = (await history.json()).map((m: { body: string }) => m.body);
  expect(bodies.filter((b) => b === "written while offline")).toHaveLength(1);
  expect(bodies.filter((b) => b === "kept across a reload")).toHaveLength(1);
  await annPage.reload();
  await expect(annPage.getByTestId("chat-status")).toHaveText("Live");
  await expect(annPage.getByTestId("pending-message")).toHaveCount(0);
  await once(annPage, "kept across a reload");
});

/** The chunks that only the split function `name` needs (no page preloads them). */
function chunksOnlyFor(name: string): string[] {
  const pkg = join(resolve(process.env.LEPTOS_SITE_ROOT ?? "../target/site"), "pkg");
  const [newest] = readdirSync(pkg)
    .filter((f) => /^__wasm_split_manifest.*\.json$/.test(f))
    .sort((a, b) => statSync(join(pkg, b)).mtimeMs - statSync(join(pkg, a)).mtimeMs);
  const manifest: Record<string, string[]> = JSON.parse(readFileSync(join(pkg, newest), "utf8"));
  const elsewhere = new Set(
    Object.entries(manifest)
      .filter(([split]) => split !== name)
      .flatMap(([, chunks]) => chunks),
  );
  return (manifest[name] ?? []).filter((c) => !elsewhere.has(c)).map((c) => `/pkg/${c}.wasm`);
}

/**
 * Makes the chunks that only the split function `name` (`what`) needs fail to download on
 * `page`. Returns how many requests failed so far and what lets them through again.
 */
async function blockChunksOf(page: Page, name: string, what: string) {
  const blocked = chunksOnlyFor(name);
  expect(blocked.length, `${what} is a chunk of its own`).toBeGreaterThan(0);
  let failed = 0;
  const isBlocked = (url: URL) => blocked.includes(url.pathname);
  await page.route(isBlocked, (route) => {
    failed += 1;
    return route.abort();
  });
  return { failed: () => failed, unblock: () => page.unroute(isBlocked) };
}

/** A new user with a room of their own, signed in on `page` and sent to that room. */
async function ownRoom(page: Page, request: APIRequestContext, name: string) {
  const token = await register(request, name);
  const room = await request.post("/api/v1/rooms", {
    headers: { Authorization: `Bearer ${token}` },
    data: { name: `Room of ${name}` },
  });
  const roomId = (await room.json()).id;
  await page.goto(`/signin?next=/rooms/${roomId}`);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email or username").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("room-name")).toContainText(`Room of ${name}`);
  return { token, roomId };
}

test("a socket session whose code fails to download is started again and goes live", async ({
  page,
  request,
}) => {
  // The failed attempt waits 5 s before the next one.
  test.setTimeout(60_000);
  // The session's chunk cannot be fetched, as on a connection lost right after the page came.
  const blocked = await blockChunksOf(page, "parley_live_session_start", "the socket session");
  const { token, roomId } = await ownRoom(page, request, `olazy_${stamp}`);
  await expect.poll(blocked.failed, { message: "the session's chunk was requested" }).toBeGreaterThan(0);
  // The page works on without live updates...
  await expect(page.getByTestId("chat-status")).not.toHaveText("Live");
  await send(page, "sent before the socket");
  await expect(page.getByTestId("messages").locator("li.message", { hasText: "sent before the socket" })).toHaveCount(1);

  // ...and the next attempt, once the chunk can be fetched, goes live and receives events.
  await blocked.unblock();
  await expect(page.getByTestId("chat-status")).toHaveText("Live", { timeout: 15_000 });
  const sent = await request.post(`/api/v1/rooms/${roomId}/messages`, {
    headers: { Authorization: `Bearer ${token}` },
    data: { body: "arrived over the socket", client_id: `lazy-${stamp}` },
  });
  expect(sent.status()).toBe(201);
  await expect(page.getByTestId("messages").locator("li.message", { hasText: "arrived over the socket" })).toHaveCount(1);
});

test("a conversation whose code fails to download says so and loads on Try again", async ({ page, request }) => {
  const blocked = await blockChunksOf(page, "parley_room_body", "the conversation");
  await ownRoom(page, request, `obody_${stamp}`);
  const failure = page.getByText("This part of the page could not be loaded.");
  await expect(failure).toBeVisible();
  // The rest of the page still works: the header's links and the sidebar are there.
  await expect(page.getByTestId("account-name")).toBeVisible();

  await blocked.unblock();
  await failure.getByRole("button", { name: "Try again" }).click();
  await expect(page.getByTestId("chat-status")).toHaveText("Live");
  await expect(failure).toHaveCount(0);
  await send(page, "after the retry");
  await expect(page.getByTestId("messages").locator("li.message", { hasText: "after the retry" })).toHaveCount(1);
});

test.describe("without a service worker", () => {
  // With one, the page's chunk would come from its cache instead of the blocked network.
  test.use({ serviceWorkers: "block" });

  test("a page whose code fails to download says so and opens on Try again", async ({ page, request }) => {
    const blocked = await blockChunksOf(page, "parley_page_settings", "the settings page");
    await ownRoom(page, request, `opage_${stamp}`);

    // Opened from the header, the page's code cannot be fetched: the page says so and the
    // rest of the app keeps working.
    await page.getByTestId("account-name").click();
    await page.getByRole("banner").getByRole("menuitem", { name: "Settings" }).click();
    const failure = page.getByRole("alert").filter({ hasText: "This page could not be loaded" });
    await expect(failure).toBeVisible();
    await expect(page.getByTestId("account-name")).toBeVisible();

    await blocked.unblock();
    await failure.getByRole("button", { name: "Try again" }).click();
    await expect(page).toHaveURL(/\/settings$/);
    await expect(page.getByRole("heading", { level: 1, name: "Settings" })).toBeVisible();
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  });
});
