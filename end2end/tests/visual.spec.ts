import { APIRequestContext, Browser, BrowserContext, expect, Page, test } from "@playwright/test";

// What people see: screenshots of the main pages at desktop and phone sizes in both themes,
// compared with committed baselines (end2end/tests/visual.spec.ts-snapshots; refresh with
// `npx playwright test visual --update-snapshots` after an intended change, and look at them).
// Every page is also checked for program text leaking into the UI and for emoji glyphs in the
// app's own chrome (they render as empty boxes without a colour-emoji font).
//
// The data is fixed (the test database is fresh for every run), so the pages are the same from
// run to run; what still moves (times, day separators, presence, the notification count) is
// masked.

const password = "visual e2e password 42";
const people = {
  vera: "Vera Lindqvist",
  omar: "Omar Haddad",
  nina: "Nina Okafor",
} as const;
type Person = keyof typeof people;

const sizes = [
  { name: "desktop", viewport: { width: 1280, height: 800 }, isMobile: false },
  { name: "phone", viewport: { width: 390, height: 844 }, isMobile: true },
] as const;
const themes = ["light", "dark"] as const;

let roomId = "";
const sessions: Partial<Record<Person, Awaited<ReturnType<BrowserContext["storageState"]>>>> = {};

async function token(request: APIRequestContext, who: Person): Promise<string> {
  const registered = await request.post("/api/v1/auth/register", {
    data: { email: `${who}@visual.example.com`, username: who, password, display_name: people[who] },
  });
  // 409: the run reuses a database that already has these people (running this file alone).
  expect([201, 409]).toContain(registered.status());
  const login = await request.post("/api/v1/auth/login", { data: { login: who, password } });
  expect(login.status()).toBe(200);
  return (await login.json()).access_token;
}

async function signedInState(browser: Browser, who: Person) {
  if (sessions[who]) return sessions[who];
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto("/signin?next=/rooms");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email or username").fill(who);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("account-name")).toHaveText(people[who]);
  sessions[who] = await context.storageState();
  await context.close();
  return sessions[who];
}

test.beforeAll(async ({ request }) => {
  const vera = await token(request, "vera");
  const omar = await token(request, "omar");
  await token(request, "nina");
  const as = (t: string) => ({ Authorization: `Bearer ${t}` });

  const mine = await request.get("/api/v1/rooms/public?search=Visual%20room&limit=100", { headers: as(vera) });
  expect(mine.ok()).toBe(true);
  if ((await mine.json()).length === 0) {
    for (let i = 1; i <= 25; i++) {
      const made = await request.post("/api/v1/rooms", {
        headers: as(vera),
        data: { name: `Visual room ${String(i).padStart(2, "0")}`, description: `Topic number ${i}` },
      });
      expect(made.status()).toBe(201);
    }
  }
  const existing = await request.get("/api/v1/rooms/public?search=Design%20review", { headers: as(vera) });
  const found = await existing.json();
  if (found.length > 0) {
    roomId = found[0].id;
    return;
  }
  const room = await request.post("/api/v1/rooms", {
    headers: as(vera),
    data: { name: "Design review", description: "Screens, flows and copy" },
  });
  expect(room.status()).toBe(201);
  roomId = (await room.json()).id;
  expect((await request.post(`/api/v1/rooms/${roomId}/join`, { headers: as(omar) })).ok()).toBe(true);
  const script: [string, Person][] = [
    ["Morning! The new message list is up for review.", "vera"],
    ["Grouping, avatars and the toolbar are in.", "vera"],
    ["Looks good. The **toolbar** shows on hover and on focus?", "omar"],
    ["Yes, and after a tap on phones.", "vera"],
    ["Then I'll try it on mine after lunch.", "omar"],
  ];
  let n = 0;
  let last = "";
  for (const [body, who] of script) {
    const sent = await request.post(`/api/v1/rooms/${roomId}/messages`, {
      headers: as(who === "vera" ? vera : omar),
      data: { body, client_id: `visual-${n++}` },
    });
    expect(sent.status()).toBe(201);
    last = (await sent.json()).id;
  }
  // Omar has read everything: every screenshot shows the room the same way, whichever runs
  // first (opening the room at the bottom would mark it read anyway).
  const read = await request.post(`/api/v1/rooms/${roomId}/read`, { headers: as(omar), data: { seq: n } });
  expect(read.ok()).toBe(true);
  const reacted = await request.post(`/api/v1/messages/${last}/reactions`, {
    headers: as(vera),
    data: { emoji: "👍" },
  });
  expect(reacted.ok()).toBe(true);
});

/** Visible text must never be program text (a view macro that swallowed code). */
async function expectNoProgramText(page: Page, what: string) {
  const text = await page.locator("body").innerText();
  for (const fragment of ["move |", "=>", ".update(", "on:click", "on:"]) {
    expect(text, `${what} shows program text "${fragment}"`).not.toContain(fragment);
  }
}

/** The app's own words and controls carry no emoji: icons are inline SVG. */
async function expectNoEmojiChrome(page: Page, what: string) {
  const chrome = await page.evaluate(() => {
    const clone = document.body.cloneNode(true) as HTMLElement;
    // What people wrote (and reacted with) is theirs to decorate.
    clone.querySelectorAll(".message-body, .message-reactions, .reply-quote").forEach((el) => el.remove());
    return clone.innerText ?? clone.textContent ?? "";
  });
  expect(chrome.match(/\p{Extended_Pictographic}/gu) ?? [], `${what} has emoji in its chrome`).toEqual([]);
}

async function open(browser: Browser, size: (typeof sizes)[number], theme: string, who?: Person) {
  const context = await browser.newContext({
    viewport: size.viewport,
    isMobile: size.isMobile,
    hasTouch: size.isMobile,
    colorScheme: theme as "light" | "dark",
    reducedMotion: "reduce",
    storageState: who ? await signedInState(browser, who) : undefined,
  });
  return context.newPage();
}

async function settle(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.evaluate(() => document.fonts.ready);
}

const masks = (page: Page) => [
  page.locator("time"),
  page.locator(".day-separator"),
  page.locator(".presence-dot"),
  page.getByTestId("bell-count"),
];

const shot = { fullPage: false, animations: "disabled", caret: "hide", maxDiffPixelRatio: 0.01 } as const;

for (const size of sizes) {
  for (const theme of themes) {
    const tag = `${size.name}-${theme}`;

    test(`landing and sign-in, ${tag}`, async ({ browser }) => {
      const page = await open(browser, size, theme);
      await page.goto("/");
      await settle(page);
      await expectNoProgramText(page, "landing");
      await expectNoEmojiChrome(page, "landing");
      await expect(page).toHaveScreenshot(`landing-${tag}.png`, shot);

      await page.goto("/signin");
      await settle(page);
      await expectNoProgramText(page, "sign-in");
      await expect(page).toHaveScreenshot(`signin-${tag}.png`, shot);
      await page.context().close();
    });

    test(`directory with more than one page, ${tag}`, async ({ browser }) => {
      const page = await open(browser, size, theme, "nina");
      await page.goto("/rooms/browse");
      await settle(page);
      await page.getByLabel("Search rooms").fill("Visual room");
      await page.getByLabel("Sort").selectOption("newest");
      await expect(page.getByTestId("directory-total")).toHaveText("25 rooms");
      await expect(page.getByTestId("directory").locator("li").first()).toContainText("Visual room 25");
      await expectNoProgramText(page, "directory");
      await expectNoEmojiChrome(page, "directory");
      await expect(page).toHaveScreenshot(`directory-${tag}.png`, { ...shot, mask: masks(page) });
      await page.context().close();
    });

    test(`a room with messages and its preview, ${tag}`, async ({ browser }) => {
      const member = await open(browser, size, theme, "omar");
      await member.goto(`/rooms/${roomId}`);
      await settle(member);
      await expect(member.getByTestId("chat-status")).toHaveText("Live");
      await expect(member.getByTestId("messages").locator("li.message")).toHaveCount(5);
      await expectNoProgramText(member, "room");
      await expectNoEmojiChrome(member, "room");
      await expect(member).toHaveScreenshot(`room-${tag}.png`, { ...shot, mask: masks(member) });
      // A message's actions: on hover with a pointer, after a tap on a touch screen.
      const message = member.locator("li.message", { hasText: "Looks good." });
      if (size.isMobile) {
        await message.locator(".message-body").tap();
      } else {
        await message.hover();
      }
      await expect(message.getByRole("toolbar", { name: "Message actions" })).toBeVisible();
      await expect(message).toHaveScreenshot(`message-actions-${tag}.png`, { ...shot, mask: masks(member) });
      await member.context().close();

      const visitor = await open(browser, size, theme, "nina");
      await visitor.goto(`/rooms/${roomId}`);
      await settle(visitor);
      await expect(visitor.getByTestId("room-preview")).toBeVisible();
      await expect(visitor.getByTestId("messages").locator("li.message")).toHaveCount(5);
      await expectNoProgramText(visitor, "room preview");
      await expectNoEmojiChrome(visitor, "room preview");
      await expect(visitor).toHaveScreenshot(`preview-${tag}.png`, { ...shot, mask: masks(visitor) });
      await visitor.context().close();
    });

    test(`settings, ${tag}`, async ({ browser }) => {
      const page = await open(browser, size, theme, "vera");
      await page.goto("/settings");
      await settle(page);
      await expect(page.getByRole("heading", { level: 1, name: "Settings" })).toBeVisible();
      await expect(page.getByLabel("Do not disturb: keep notifications, but no alerts")).toBeVisible();
      await expectNoProgramText(page, "settings");
      await expectNoEmojiChrome(page, "settings");
      await expect(page).toHaveScreenshot(`settings-${tag}.png`, { ...shot, mask: masks(page) });
      // Below the fold: the checkboxes and the toggle (the sessions list after it changes
      // with every sign-in, so the page is not taken whole).
      const notifications = page.getByRole("region", { name: "Notifications" });
      await notifications.scrollIntoViewIfNeeded();
      await expect(notifications).toHaveScreenshot(`settings-notifications-${tag}.png`, shot);
      await page.context().close();
    });
  }
}
