import { expect, Page, test } from "@playwright/test";

// One account per test run; the database is recreated before every run by scripts/test.sh.
const stamp = Date.now().toString(36);
const user = {
  email: `ada.${stamp}@example.com`,
  username: `ada_${stamp}`,
  displayName: "Ada Lovelace",
  password: "analytical engine 1843",
};

async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

test.describe.serial("accounts", () => {
  test("sign up validates as you type, then signs in", async ({ page }) => {
    await page.goto("/signup");
    await hydrated(page);

    await page.getByLabel("Email").fill("not-an-email");
    await page.getByLabel("Email").blur();
    await expect(page.locator("#field-email-error")).toContainText("Enter an email address");

    await page.getByLabel("Email").fill(user.email);
    await expect(page.locator("#field-email-error")).toBeEmpty();
    await page.getByLabel("Username").fill(user.username);
    await page.getByLabel("Display name (optional)").fill(user.displayName);
    await page.getByLabel("Password").fill("short");
    await page.getByLabel("Password").blur();
    await expect(page.locator("#field-password-error")).toContainText("at least 8 characters");
    // The common-password list lives on the server: its verdict comes back on the field, and
    // the form keeps what was typed.
    await page.getByLabel("Password").fill("password1");
    await expect(page.locator("#field-password-error")).toBeEmpty();
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.locator("#field-password-error")).toContainText("too common");
    await expect(page.getByLabel("Username")).toHaveValue(user.username);
    await page.getByLabel("Password").fill(user.password);

    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByTestId("account-name")).toHaveText(user.displayName);
  });

  test("a taken username is reported next to the field and the form keeps its input", async ({ page }) => {
    await page.goto("/signup");
    await hydrated(page);
    await page.getByLabel("Email").fill(`other.${stamp}@example.com`);
    await page.getByLabel("Username").fill(user.username.toUpperCase());
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.locator("#field-username-error")).toHaveText("This username is taken.");
    await expect(page.getByLabel("Email")).toHaveValue(`other.${stamp}@example.com`);
  });

  test("stays signed in across reloads, edits the profile, signs out", async ({ page }) => {
    await page.goto("/signin");
    await hydrated(page);
    await page.getByLabel("Email or username").fill(user.username);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("account-name")).toHaveText(user.displayName);

    // The server knows the user from the cookie: the first paint already shows the name.
    const html = await (await page.request.get("/")).text();
    expect(html).toContain(user.displayName);
    await page.reload();
    await expect(page.getByTestId("account-name")).toHaveText(user.displayName);

    // The account menu opens from the name; Escape and a click elsewhere close it, and
    // Escape gives the focus back to the trigger.
    const menu = page.getByRole("menu");
    await page.getByTestId("account-name").click();
    await expect(menu).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(menu).toBeHidden();
    await expect(page.locator("summary.account-trigger")).toBeFocused();
    await page.getByTestId("account-name").click();
    await expect(menu).toBeVisible();
    await page.locator("main").click({ position: { x: 5, y: 5 } });
    await expect(menu).toBeHidden();
    // It offers the profile.
    await page.getByTestId("account-name").click();
    await page.getByRole("menuitem", { name: "Profile" }).click();
    await expect(page).toHaveURL(/\/profile$/);
    await hydrated(page);
    await expect(page.getByTestId("profile-name")).toHaveText(user.displayName);
    await page.getByLabel("City").fill("London");
    await page.getByLabel("Bio").fill("Wrote the first program.");
    // Dates are checked against today's date in the browser too.
    await page.getByLabel("Date of birth").fill("2999-01-01");
    await page.getByLabel("Date of birth").blur();
    await expect(page.locator("#field-birth_date-error")).not.toBeEmpty();
    await page.getByLabel("Date of birth").fill("1990-02-28");
    await expect(page.locator("#field-birth_date-error")).toBeEmpty();
    await page.getByLabel("Phone").fill("call me");
    await page.getByRole("button", { name: "Save profile" }).click();
    await expect(page.locator("#field-phone-error")).toContainText("phone number");
    await page.getByLabel("Phone").fill("+44 20 7946 0018");
    await page.getByRole("button", { name: "Save profile" }).click();
    await expect(page.getByTestId("profile-saved")).toBeVisible();

    await page.reload();
    await expect(page.getByLabel("City")).toHaveValue("London");
    await expect(page.getByLabel("Bio")).toHaveValue("Wrote the first program.");

    await page.getByTestId("account-name").click();
    await page.getByTestId("sign-out").click();
    await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
    await page.goto("/profile");
    await expect(page).toHaveURL(/\/signin\?next=\/profile$/);
  });

  test("a wrong password shows an error and keeps the login", async ({ page }) => {
    await page.goto("/signin?next=/settings");
    await hydrated(page);
    await page.getByLabel("Email or username").fill(user.email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("form-error")).toContainText("Wrong email/username or password");
    await expect(page.getByLabel("Email or username")).toHaveValue(user.email);

    // Then the right one returns to where the visitor was going.
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/settings$/);
    await expect(page.getByTestId("sessions")).toContainText("This device");
  });
});
