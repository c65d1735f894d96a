import { expect, Page, test } from "@playwright/test";

// The Content-Security-Policy lets only the app's own scripts run: walking every page signed
// in (hydrating, loading its chunks, opening the socket) raises no violation. The same walk
// also fails on any error the pages throw, a hydration panic in particular (the settings page
// once hydrated its header and then panicked, which only a person clicking noticed).

const stamp = Date.now().toString(36);
const password = "csp e2e password 42";
const name = `csp_${stamp}`;

let roomId = "";
let inviteCode = "";

test.beforeAll(async ({ request }) => {
  const created = await request.post("/api/v1/auth/register", {
    data: { email: `${name}@example.com`, username: name, password, display_name: name },
  });
  expect(created.status()).toBe(201);
  const token = (await created.json()).access_token;
  const auth = { Authorization: `Bearer ${token}` };
  const room = await request.post("/api/v1/rooms", {
    headers: auth,
    data: { name: `Policy ${stamp}`, description: "Walked for CSP violations" },
  });
  expect(room.status()).toBe(201);
  roomId = (await room.json()).id;
  const sent = await request.post(`/api/v1/rooms/${roomId}/messages`, {
    headers: auth,
    data: { body: "Hello **world** with a link https://example.com" },
  });
  expect(sent.status()).toBe(201);
  const link = await request.post(`/api/v1/rooms/${roomId}/invite-links`, { headers: auth, data: {} });
  expect(link.status()).toBe(201);
  inviteCode = (await link.json()).code;
});

/** Records violations the page reports, and the console's CSP complaints. */
async function watchViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.exposeFunction("reportCspViolation", (v: string) => seen.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { reportCspViolation: (v: string) => void }).reportCspViolation(
        `${e.violatedDirective} blocked ${e.blockedURI} in ${e.sourceFile}:${e.lineNumber}`,
      );
    });
  });
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) {
      seen.push(`console: ${message.text()}`);
    }
  });
  return seen;
}

/** Records what the pages throw and the console's errors about hydration. */
function watchErrors(page: Page): string[] {
  const seen: string[] = [];
  page.on("pageerror", (error) => seen.push(`${page.url()}: ${error.message.slice(0, 300)}`));
  page.on("console", (message) => {
    if (message.type() === "error" && /hydrat|panicked/i.test(message.text())) {
      seen.push(`${page.url()}: ${message.text().slice(0, 300)}`);
    }
  });
  return seen;
}

async function visit(page: Page, path: string) {
  const response = await page.goto(path);
  expect(response, path).not.toBeNull();
  const policy = response!.headers()["content-security-policy"] ?? "";
  expect(policy, `${path} has a policy`).toContain("script-src 'self'");
  expect(policy).not.toMatch(/script-src[^;]*unsafe-inline/);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  // No page shows program text (a view macro that swallowed code printed it once).
  const text = await page.locator("body").innerText();
  for (const fragment of ["move |", "=>", ".update(", "on:click"]) {
    expect(text, `${path} shows program text`).not.toContain(fragment);
  }
}

test("no page raises a CSP violation", async ({ page }) => {
  test.setTimeout(90_000);
  const violations = await watchViolations(page);
  const errors = watchErrors(page);

  for (const path of ["/", "/signin", "/signup", "/no-such-page"]) {
    await visit(page, path);
  }
  await page.goto("/signin");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email or username").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("account-name")).toHaveText(name);

  const pages = [
    "/rooms",
    "/rooms/browse",
    "/rooms/new",
    `/rooms/${roomId}`,
    `/rooms/${roomId}/settings`,
    "/search?q=hello",
    "/settings",
    "/profile",
    "/invitations",
    `/u/${name}`,
    `/join/${inviteCode}`,
  ];
  for (const path of pages) {
    await visit(page, path);
  }
  // The room's conversation came in over the socket, with its chunks.
  await page.goto(`/rooms/${roomId}`);
  await expect(page.getByText("Hello")).toBeVisible();
  await page.waitForTimeout(500);
  expect(violations).toEqual([]);
  expect(errors).toEqual([]);
});
