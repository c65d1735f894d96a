import { Browser, expect, Page, test } from "@playwright/test";

const stamp = Date.now().toString(36);
const password = "rooms e2e password 42";

async function signedIn(browser: Browser, name: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  // Accounts come from the REST API; the browser then signs in through the form.
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
  await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/rooms$/);
  return page;
}

test.describe.serial("rooms", () => {
  test("a public room is found in another user's directory and joined", async ({ browser }) => {
    const alice = await signedIn(browser, `alice_${stamp}`);
    const bob = await signedIn(browser, `bob_${stamp}`);
    const roomName = `Launch ${stamp}`;

    await alice.getByRole("link", { name: "New room" }).click();
    await alice.getByLabel("Name").fill(roomName);
    await alice.getByLabel("Description").fill("Everything about the launch");
    await alice.getByRole("button", { name: "Create room" }).click();
    await expect(alice.getByTestId("room-name")).toContainText(roomName);
    await expect(alice.getByTestId("sidebar-rooms")).toContainText(roomName);

    await bob.getByRole("link", { name: "Browse rooms" }).click();
    await bob.getByLabel("Search rooms").fill(stamp);
    await expect(bob.getByTestId("directory")).toContainText(roomName);
    await expect(bob.getByTestId("directory-total")).toHaveText("1 room");
    await bob.getByRole("button", { name: `Join ${roomName}` }).click();
    await expect(bob.getByTestId("room-name")).toContainText(roomName);
    await expect(bob.getByTestId("members")).toContainText(`alice_${stamp}`);
    await expect(bob.getByTestId("sidebar-rooms")).toContainText(roomName);
  });

  test("a private room is invisible until its owner invites and the invitee accepts", async ({ browser }) => {
    const carol = await signedIn(browser, `carol_${stamp}`);
    const dave = await signedIn(browser, `dave_${stamp}`);
    const roomName = `Secret ${stamp}`;

    await carol.getByRole("link", { name: "New room" }).click();
    await carol.getByLabel("Name").fill(roomName);
    await carol.getByLabel(/Private/).check();
    await carol.getByRole("button", { name: "Create room" }).click();
    await expect(carol.getByTestId("room-name")).toContainText(roomName);
    const roomUrl = carol.url();

    // Dave can neither find it nor open it.
    await dave.getByRole("link", { name: "Browse rooms" }).click();
    await dave.getByLabel("Search rooms").fill(roomName);
    await expect(dave.getByTestId("directory-total")).toHaveText("0 rooms");
    await dave.goto(roomUrl);
    await expect(dave.getByRole("heading", { name: "Room not found" })).toBeVisible();

    await carol.getByLabel("Username or email").fill(`dave_${stamp}`);
    await carol.getByRole("button", { name: "Invite", exact: true }).click();
    await expect(carol.getByRole("status").filter({ hasText: "Invited" })).toContainText(`Invited dave_${stamp}`);

    await dave.goto("/invitations");
    await expect(dave.getByTestId("invitations")).toContainText(roomName);
    await dave.getByRole("button", { name: "Accept" }).click();
    await expect(dave.getByTestId("room-name")).toContainText(roomName);
    await expect(dave.getByTestId("members")).toContainText(`carol_${stamp}`);
    await expect(dave.getByTestId("sidebar-rooms")).toContainText(roomName);
  });
});
