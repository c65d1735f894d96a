import { APIRequestContext, expect, test } from "@playwright/test";

// The directory as a newcomer uses it: paging through more public rooms than fit on a page,
// previewing one without joining, then joining it.

const stamp = Date.now().toString(36);
const password = "directory e2e password 42";

async function account(request: APIRequestContext, name: string): Promise<string> {
  const created = await request.post("/api/v1/auth/register", {
    data: { email: `${name}@example.com`, username: name, password, display_name: name },
  });
  expect(created.status()).toBe(201);
  const login = await request.post("/api/v1/auth/login", { data: { login: name, password } });
  expect(login.status()).toBe(200);
  return (await login.json()).access_token;
}

test("a newcomer pages through 50 public rooms, previews one and joins it", async ({ browser, request }) => {
  test.setTimeout(60_000);
  const owner = `downer_${stamp}`;
  const visitor = `dvisit_${stamp}`;
  const token = await account(request, owner);
  await account(request, visitor);
  const auth = { Authorization: `Bearer ${token}` };

  let previewId = "";
  for (let i = 1; i <= 50; i++) {
    const name = `Page${stamp} ${String(i).padStart(2, "0")}`;
    const room = await request.post("/api/v1/rooms", { headers: auth, data: { name } });
    expect(room.status()).toBe(201);
    if (i === 7) previewId = (await room.json()).id;
  }
  for (const body of ["Welcome to room seven", "Agenda: paging works"]) {
    const sent = await request.post(`/api/v1/rooms/${previewId}/messages`, {
      headers: auth,
      data: { body, client_id: `dir-${body.length}` },
    });
    expect(sent.status()).toBe(201);
  }

  const page = await (await browser.newContext()).newPage();
  await page.goto("/signin?next=/rooms/browse");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email or username").fill(visitor);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Browse rooms" })).toBeVisible();

  await page.getByLabel("Search rooms").fill(`Page${stamp}`);
  await expect(page.getByTestId("directory-total")).toHaveText("50 rooms");
  const rooms = page.getByTestId("directory").locator("li.directory-room");
  const next = page.getByRole("button", { name: "Next" });
  const previous = page.getByRole("button", { name: "Previous" });
  await expect(previous).toBeDisabled();

  // 20, 20 and 10: every room once, then no further page.
  const seen = new Set<string>();
  for (const expected of [20, 20, 10]) {
    await expect(rooms).toHaveCount(expected);
    for (const name of await rooms.locator("h2").allInnerTexts()) seen.add(name);
    if (expected === 20) {
      const first = await rooms.locator("h2").first().innerText();
      await next.click();
      await expect(rooms.locator("h2").first()).not.toHaveText(first);
    }
  }
  expect(seen.size).toBe(50);
  await expect(next).toBeDisabled();
  await previous.click();
  await expect(rooms).toHaveCount(20);

  // The room's name opens a read-only preview with its recent messages and a Join button.
  await page.getByLabel("Search rooms").fill(`Page${stamp} 07`);
  await expect(page.getByTestId("directory-total")).toHaveText("1 room");
  await page.getByRole("link", { name: `Page${stamp} 07` }).click();
  await expect(page.getByTestId("room-name")).toContainText(`Page${stamp} 07`);
  await expect(page.getByTestId("room-preview")).toContainText("previewing");
  const messages = page.getByTestId("messages");
  await expect(messages).toContainText("Welcome to room seven");
  await expect(messages).toContainText("Agenda: paging works");
  await expect(page.getByRole("textbox", { name: "Message", exact: true })).toHaveCount(0);
  await expect(page.getByTestId("chat-status")).toHaveCount(0);

  await page.getByRole("button", { name: "Join room" }).click();
  await expect(page.getByTestId("chat-status")).toHaveText("Live");
  await page.getByRole("textbox", { name: "Message", exact: true }).fill("Glad to be here");
  await page.getByRole("textbox", { name: "Message", exact: true }).press("Enter");
  await expect(messages.locator("li.message", { hasText: "Glad to be here" })).toBeVisible();
  await expect(page.getByTestId("room-preview")).toHaveCount(0);
});
