import AxeBuilder from "@axe-core/playwright";
import { APIRequestContext, expect, Page, test } from "@playwright/test";

// Layout and accessibility: the phone drawer, keyboard shortcuts, and an axe-core scan of the
// main pages (no serious or critical violations).

const stamp = Date.now().toString(36);
const password = "layout e2e password 42";
const name = `lay_${stamp}`;

async function setUp(request: APIRequestContext): Promise<string[]> {
  const created = await request.post("/api/v1/auth/register", {
    data: { email: `${name}@example.com`, username: name, password, display_name: name },
  });
  expect(created.status()).toBe(201);
  const token = (await created.json()).access_token;
  const ids: string[] = [];
  for (const room of [`Alpha ${stamp}`, `Beta ${stamp}`]) {
    const made = await request.post("/api/v1/rooms", {
      headers: { Authorization: `Bearer ${token}` },
      data: { name: room, description: "A room for layout tests" },
    });
    expect(made.status()).toBe(201);
    ids.push((await made.json()).id);
  }
  const said = await request.post(`/api/v1/rooms/${ids[0]}/messages`, {
    headers: { Authorization: `Bearer ${token}` },
    data: { body: "Welcome to the layout room" },
  });
  expect(said.status()).toBe(201);
  return ids;
}

async function signIn(page: Page, next: string) {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email or username").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("account-name")).toHaveText(name);
}

async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    bad.map((v) => `${what}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
  ).toEqual([]);
}

let rooms: string[] = [];

test.beforeAll(async ({ request }) => {
  rooms = await setUp(request);
});

test("on a phone the sidebar is a drawer", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await signIn(page, "/rooms");
  const sidebar = page.getByRole("complementary", { name: "Your rooms" });
  await expect(sidebar).toBeHidden();
  await page.getByRole("button", { name: "Rooms", exact: true }).click();
  await expect(sidebar).toBeVisible();
  await sidebar.getByRole("link", { name: `Alpha ${stamp}` }).click();
  await expect(page.getByTestId("room-name")).toContainText(`Alpha ${stamp}`);
  await expect(sidebar).toBeHidden();
  // Esc closes it too.
  await page.getByRole("button", { name: "Rooms", exact: true }).click();
  await expect(sidebar).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(sidebar).toBeHidden();
  await context.close();
});

test("keyboard shortcuts switch rooms and list themselves", async ({ page }) => {
  await signIn(page, `/rooms/${rooms[0]}`);
  await expect(page.getByTestId("room-name")).toContainText(`Alpha ${stamp}`);

  await page.keyboard.press("Control+k");
  const switcher = page.getByRole("dialog");
  await expect(switcher).toBeVisible();
  await page.keyboard.type("beta");
  await expect(switcher.getByTestId("switcher-results")).toContainText(`Beta ${stamp}`);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("room-name")).toContainText(`Beta ${stamp}`);
  await expect(switcher).toBeHidden();

  // Alt+Up/Down walk the sidebar's rooms.
  await page.locator("body").click({ position: { x: 1, y: 1 } });
  await page.keyboard.press("Alt+ArrowUp");
  await expect(page.getByTestId("room-name")).toContainText(`Alpha ${stamp}`);
  await page.keyboard.press("Alt+ArrowDown");
  await expect(page.getByTestId("room-name")).toContainText(`Beta ${stamp}`);

  await page.locator("body").press("?");
  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(help).toBeVisible();
  await expect(help).toContainText("Jump to a room");
  await page.keyboard.press("Escape");
  await expect(help).toBeHidden();
});

test("the main pages have no serious accessibility violations", async ({ page }) => {
  await page.goto("/");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expectAccessible(page, "landing");
  await page.goto("/signin");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expectAccessible(page, "sign-in");
  await signIn(page, "/rooms/browse");
  await expect(page.getByRole("heading", { name: "Browse rooms" })).toBeVisible();
  await expectAccessible(page, "directory");
  await page.goto(`/rooms/${rooms[0]}`);
  await expect(page.getByTestId("chat-status")).toHaveText("Live");
  await expectAccessible(page, "room");
  await page.evaluate(() => document.documentElement.setAttribute("data-theme", "dark"));
  // Colours change with a short transition; scanning mid-way would measure blends.
  await page.waitForFunction(() => document.getAnimations().length === 0);
  await expectAccessible(page, "room (dark)");
  // The message toolbar as the keyboard shows it, and the account menu open.
  await page.getByTestId("messages").locator("li.message").first().getByRole("button", { name: "Reply" }).focus();
  await expect(page.getByRole("toolbar", { name: "Message actions" }).first()).toBeVisible();
  await page.getByTestId("account-name").click();
  await expect(page.getByRole("menu")).toBeVisible();
  await page.waitForFunction(() => document.getAnimations().length === 0);
  await expectAccessible(page, "room with toolbar and menu (dark)");
});
