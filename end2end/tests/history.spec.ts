import { APIRequestContext, Browser, expect, Page, test } from "@playwright/test";

// Long history in the browser: opening at the unread divider, loading older pages on scroll
// without moving what the reader looks at, jumping to the latest message, day separators,
// and search results that open the room at the hit.

const stamp = Date.now().toString(36);
const password = "history e2e password 42";

async function register(request: APIRequestContext, name: string): Promise<string> {
  const created = await request.post("/api/v1/auth/register", {
    data: { email: `${name}@example.com`, username: name, password, display_name: name },
  });
  expect(created.status()).toBe(201);
  const login = await request.post("/api/v1/auth/login", { data: { login: name, password } });
  expect(login.status()).toBe(200);
  return (await login.json()).access_token;
}

async function signIn(browser: Browser, name: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto("/signin?next=/rooms");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email or username").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("account-name")).toHaveText(name);
  return page;
}

test("a long room opens at the first unread message, pages on scroll and is searchable", async ({
  browser,
  request,
}) => {
  const ann = `hann_${stamp}`;
  const ben = `hben_${stamp}`;
  const annToken = await register(request, ann);
  const benToken = await register(request, ben);
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });

  const room = await request.post("/api/v1/rooms", {
    headers: as(annToken),
    data: { name: `History ${stamp}` },
  });
  expect(room.status()).toBe(201);
  const roomId = (await room.json()).id;
  expect((await request.post(`/api/v1/rooms/${roomId}/join`, { headers: as(benToken) })).ok()).toBe(true);

  // 60 messages, 30 from each (the per-user send limit), in order, taking turns so that every
  // message has its own header (a group of one author would pack more into the view).
  for (let i = 1; i <= 60; i++) {
    const token = i % 2 === 1 ? annToken : benToken;
    const body = i === 5 ? `number ${i} holds the needle${stamp}` : `number ${i}`;
    const sent = await request.post(`/api/v1/rooms/${roomId}/messages`, {
      headers: as(token),
      data: { body, client_id: `seed-${i}` },
    });
    expect(sent.status()).toBe(201);
  }
  // Ben has read the first 20.
  const read = await request.post(`/api/v1/rooms/${roomId}/read`, {
    headers: as(benToken),
    data: { seq: 20 },
  });
  expect(read.ok()).toBe(true);

  const page = await signIn(browser, ben);
  await page.goto(`/rooms/${roomId}`);
  await expect(page.getByTestId("chat-status")).toHaveText("Live");
  const list = page.getByTestId("messages");

  // The newest page (11–60) with the divider before 21 and in view, under today's separator.
  await expect(list.locator("li.message")).toHaveCount(50);
  await expect(page.getByTestId("unread-divider")).toBeInViewport();
  await expect(list.locator("li.message").first()).toHaveAttribute("data-seq", "11");
  await expect(list.locator("li.unread-divider + li.message")).toHaveAttribute("data-seq", "21");
  await expect(list.locator("li.day-separator").first()).toHaveText("Today");

  // Scrolling to the top loads 1–10 and keeps message 11 where it was.
  // Measured in the same task as the scroll, before the page of older messages arrives.
  const before = await list.evaluate((el) => {
    el.scrollTop = 0;
    return document.getElementById("m-11")?.getBoundingClientRect().top ?? NaN;
  });
  await expect(list.locator("li.message")).toHaveCount(60);
  await expect(list).toContainText("This is the beginning of the room.");
  const after = await list.evaluate(
    () => document.getElementById("m-11")?.getBoundingClientRect().top ?? NaN,
  );
  expect(Math.abs(after - before)).toBeLessThan(40);

  // Scrolled up, the jump button brings the newest message back.
  const jump = page.getByRole("button", { name: "Jump to latest ↓" });
  await expect(jump).toBeVisible();
  await jump.click();
  await expect(list.locator("#m-60")).toBeInViewport();
  await expect(jump).toBeHidden();

  // Search finds the needle and opens the room at it.
  await page.goto(`/search?q=needle${stamp}`);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const results = page.getByTestId("search-results");
  await expect(results.locator("li")).toHaveCount(1);
  await expect(results).toContainText(`History ${stamp}`);
  await results.getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/rooms/${roomId}\\?at=5$`));
  const hit = page.locator("li.message.highlight");
  await expect(hit).toHaveAttribute("data-seq", "5");
  await expect(hit).toBeInViewport();
  // Opened back in history, the view loads newer pages when scrolled down and then follows.
  await expect(list.locator("li.message").first()).toHaveAttribute("data-seq", "1");
  await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(list.locator("#m-60")).toBeAttached();

  // A search with no hit says so.
  await page.goto(`/search?q=nothing${stamp}`);
  await expect(page.getByTestId("search-empty")).toBeVisible();
  // The search box searches in place.
  await page.locator("#search-q").fill(`needle${stamp}`);
  await page.locator("#search-q").press("Enter");
  await expect(page).toHaveURL(new RegExp(`/search\\?q=needle${stamp}$`));
  await expect(page.getByTestId("search-results").locator("li")).toHaveCount(1);
});
