import { expect, test } from "@playwright/test";

// A mention reaches the bell live; the panel links to the message and opening it reads it.

const stamp = Date.now().toString(36);
const password = "notify e2e password 42";

test("a mention raises the bell live and leads to the message", async ({ browser, request }) => {
  const ann = `nann_${stamp}`;
  const ben = `nben_${stamp}`;
  const tokens: Record<string, string> = {};
  for (const name of [ann, ben]) {
    const created = await request.post("/api/v1/auth/register", {
      data: { email: `${name}@example.com`, username: name, password, display_name: name },
    });
    expect(created.status()).toBe(201);
    tokens[name] = (await created.json()).access_token;
  }
  const as = (name: string) => ({ Authorization: `Bearer ${tokens[name]}` });
  const room = await request.post("/api/v1/rooms", { headers: as(ann), data: { name: `Bell ${stamp}` } });
  const roomId = (await room.json()).id;
  expect((await request.post(`/api/v1/rooms/${roomId}/join`, { headers: as(ben) })).ok()).toBe(true);

  // Ben is elsewhere in the app.
  const page = await (await browser.newContext()).newPage();
  await page.goto("/signin?next=/rooms/browse");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email or username").fill(ben);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Browse rooms" })).toBeVisible();
  await expect(page.getByTestId("bell-count")).toHaveCount(0);

  // Ann mentions him; the count rises without a reload.
  const sent = await request.post(`/api/v1/rooms/${roomId}/messages`, {
    headers: as(ann),
    data: { body: `hey @${ben}, have a look`, client_id: "mention-1" },
  });
  expect(sent.status()).toBe(201);
  const seq = (await sent.json()).seq;
  await expect(page.getByTestId("bell-count")).toHaveText("1");

  // The panel names who and where; following it opens the room at the message.
  await page.getByTestId("bell").click();
  const item = page.getByTestId("notification-list").getByRole("link", { name: new RegExp(`${ann} mentioned you`) });
  await expect(item).toContainText(`Bell ${stamp}`);
  await item.click();
  await expect(page).toHaveURL(new RegExp(`/rooms/${roomId}\\?at=${seq}$`));
  await expect(page.locator("li.message.highlight")).toContainText("have a look");
  await expect(page.getByTestId("bell-count")).toHaveCount(0);

  // The stored count agrees.
  const count = await request.get("/api/v1/notifications/unread-count", { headers: as(ben) });
  expect((await count.json()).unread_count).toBe(0);
});
