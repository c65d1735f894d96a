import { APIRequestContext, Browser, BrowserContext, expect, Page, test } from "@playwright/test";

// Sends made without a connection: kept on the device (IndexedDB), shown as pending, sent
// once the connection is back, exactly once, also after a reload.

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
