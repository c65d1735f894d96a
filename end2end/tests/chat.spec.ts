import { Browser, expect, Page, test } from "@playwright/test";

const stamp = Date.now().toString(36);
const password = "chat e2e password 42";

async function signedIn(browser: Browser, name: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  const response = await page.request.post("/api/v1/auth/register", {
    data: { email: `${name}@example.com`, username: name, password, display_name: name },
  });
  expect(response.status()).toBe(201);
  await page.goto("/signin?next=/rooms");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email or username").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("account-name")).toHaveText(name);
  return page;
}

test("two people chat live; reactions, deletion and a reload agree", async ({ browser }) => {
  // Two fresh browsers, each loading every page's chunks for the first time, through a dozen
  // steps: 20-30 s on two cores, too close to the default 30 s limit.
  test.setTimeout(60_000);
  const ann = await signedIn(browser, `ann_${stamp}`);
  const ben = await signedIn(browser, `ben_${stamp}`);

  await ann.goto("/rooms/new");
  await expect(ann.locator("body")).toHaveAttribute("data-hydrated", "true");
  await ann.getByLabel("Name").fill(`Chat ${stamp}`);
  await ann.getByRole("button", { name: "Create room" }).click();
  await expect(ann.getByTestId("room-name")).toContainText(`Chat ${stamp}`);
  const roomUrl = ann.url();

  await ben.goto(roomUrl);
  await expect(ben.locator("body")).toHaveAttribute("data-hydrated", "true");
  // The preview comes with the room's own code: once it shows, Join has its handler.
  await expect(ben.getByTestId("room-preview")).toBeVisible();
  await ben.getByRole("button", { name: "Join room" }).click();
  await expect(ben.getByTestId("chat-status")).toHaveText("Live");
  await expect(ann.getByTestId("chat-status")).toHaveText("Live");

  // Typing shows who is typing, by name, and clears a few seconds after they stop.
  await ann.getByRole("textbox", { name: "Message", exact: true }).fill("Hel");
  await expect(ben.getByTestId("typing")).toHaveText(`ann_${stamp} is typing…`);
  await expect(ben.getByTestId("typing")).toHaveText("");

  // Enter sends; the other side sees it without reloading.
  await ann.getByRole("textbox", { name: "Message", exact: true }).fill("Hello **Ben**, see <b>this</b>");
  await ann.getByRole("textbox", { name: "Message", exact: true }).press("Enter");
  const benMessages = ben.getByTestId("messages");
  await expect(benMessages).toContainText("Hello Ben, see <b>this</b>");
  await expect(benMessages.locator("strong")).toHaveText("Ben");
  await expect(benMessages.locator("b")).toHaveCount(0);

  await ben.getByRole("textbox", { name: "Message", exact: true }).fill("Hi Ann!");
  await ben.getByRole("button", { name: "Send" }).click();
  await expect(ann.getByTestId("messages")).toContainText("Hi Ann!");

  // Each sees the other online in the member list.
  const annSeesBen = ann.getByTestId("members").locator("li.member", { hasText: `ben_${stamp}` });
  await expect(annSeesBen).toHaveAttribute("data-status", "online");

  // Ann replies to Ben's message; Ben sees the quote above her answer.
  await ann.locator("li.message", { hasText: "Hi Ann!" }).getByRole("button", { name: "Reply" }).click();
  await expect(ann.getByTestId("replying-to")).toContainText("Hi Ann!");
  await ann.getByRole("textbox", { name: "Message", exact: true }).fill("Replying to you");
  await ann.getByRole("textbox", { name: "Message", exact: true }).press("Enter");
  await expect(ann.getByTestId("replying-to")).toHaveCount(0);
  const reply = benMessages.locator("li.message", { hasText: "Replying to you" });
  await expect(reply.getByTestId("reply-quote")).toContainText("Hi Ann!");

  // Up in the empty composer edits Ann's last message; Ben sees the new text.
  await ann.getByRole("textbox", { name: "Message", exact: true }).press("ArrowUp");
  await ann.getByRole("textbox", { name: "Edit message" }).fill("Reply, edited");
  await ann.getByRole("textbox", { name: "Edit message" }).press("Enter");
  await expect(benMessages).toContainText("Reply, edited");
  await expect(benMessages.locator("li.message", { hasText: "Reply, edited" })).toContainText("(edited)");

  // A reaction from Ann shows up for Ben.
  await ann.getByRole("button", { name: "React with thumbs up" }).first().click();
  await expect(benMessages.getByRole("button", { name: "👍 1" })).toBeVisible();

  // Ben deletes his message; Ann sees the tombstone, also in the quote of her reply.
  await ben.getByRole("button", { name: "Delete" }).click();
  await expect(ann.getByTestId("messages").locator("li.message").nth(1)).toContainText(
    "This message was deleted.",
  );
  await expect(ann.getByTestId("reply-quote")).toContainText("This message was deleted.");

  // A hidden tab shows as away; a closed one as offline.
  await ben.evaluate(() => {
    Object.defineProperty(document, "hidden", { value: true, configurable: true });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await expect(annSeesBen).toHaveAttribute("data-status", "away");

  // After a reload the history is the same, each message once.
  await ben.reload();
  await expect(ben.getByTestId("messages").locator("li.message")).toHaveCount(3);
  await expect(ben.getByTestId("messages")).toContainText("Hello Ben, see <b>this</b>");
  await expect(ben.getByTestId("messages")).toContainText("Reply, edited");
  await expect(ben.getByTestId("messages")).toContainText("This message was deleted.");
  await expect(ben.getByTestId("chat-status")).toHaveText("Live");
  await ben.close();
  await expect(annSeesBen).toHaveAttribute("data-status", "offline");
});
