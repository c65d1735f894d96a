import { defineConfig, devices } from "@playwright/test";

// The server under test is the binary `cargo leptos build` produced; scripts/test.sh passes its
// path and the site root, and points it at a database of its own.
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const serverBin = process.env.PARLEY_SERVER_BIN ?? "../target/debug/server";

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"], ["html", { open: "never" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    // The debug build's service worker precaches about 18 MB of chunks in every new browser
    // context, which on two cores slows the pages under test by seconds. Only the suites about
    // the installed app (pwa, offline) allow it.
    serviceWorkers: "block",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: [
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
          ],
        },
      },
    },
  ],
  webServer: {
    command: `${serverBin} serve`,
    url: `${baseURL}/healthz`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? "../target/site",
      DATABASE_URL: process.env.E2E_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/parley_e2e",
      REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
      AMQP_URL: process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672/%2f",
      LOG_LEVEL: "warn",
      // Fresh rate-limit counters for every run, even against a shared Redis.
      REDIS_NAMESPACE: `e2e-${Date.now()}`,
      // Every test signs up its own people, all from 127.0.0.1.
      REGISTRATIONS_PER_HOUR: "500",
    },
  },
});
