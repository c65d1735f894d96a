import { expect, test } from "@playwright/test";

test.describe("landing page", () => {
  test("is server-rendered, hydrates, and the theme toggle works in WASM", async ({ page }) => {
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);
    await expect(page).toHaveTitle("Parley");
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Conversations");
    // cargo-leptos puts a content hash into the name (hash-files), so a new build is a new URL.
    await expect(page.locator("link[rel=stylesheet]")).toHaveAttribute("href", /^\/pkg\/parley\.[\w-]+\.css$/);

    // Only the WASM bundle sets this attribute, so it proves hydration finished.
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");

    const html = page.locator("html");
    const before = await html.getAttribute("data-theme");
    expect(before === "light" || before === "dark").toBeTruthy();
    const after = before === "dark" ? "light" : "dark";

    await page.getByTestId("theme-toggle").click();
    await expect(html).toHaveAttribute("data-theme", after);

    // The choice survives a reload: the head script reads what the WASM handler stored.
    await page.reload();
    await expect(html).toHaveAttribute("data-theme", after);
  });

  test("unknown paths get the 404 page", async ({ page }) => {
    const response = await page.goto("/no/such/page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("This page does not exist");
    await page.getByRole("link", { name: "Back to the start page" }).click();
    await expect(page).toHaveURL(/\/$/);
  });

  test("serves the favicon and stylesheet", async ({ page, request }) => {
    const favicon = await request.get("/favicon.svg");
    expect(favicon.status()).toBe(200);
    await page.goto("/");
    const href = await page.locator("link[rel=stylesheet]").getAttribute("href");
    const css = await request.get(href ?? "/missing.css");
    expect(css.status()).toBe(200);
    expect(await css.text()).toContain("--accent");
  });
});
