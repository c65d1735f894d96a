import { defineConfig } from "@playwright/test";

import base from "./playwright.config";

// The UI performance benchmark (scripts/ui-perf.sh): the same server and browser as the test
// suite, but its own directory of specs, a release build and room for a slow machine.
export default defineConfig({
  ...base,
  testDir: "./perf",
  timeout: 45 * 60_000,
  reporter: [["list"]],
  webServer: base.webServer && {
    ...base.webServer,
    env: {
      ...(base.webServer as { env: Record<string, string> }).env,
      // The seeded room's history comes out page by page while scrolling: no send limit applies,
      // but the benchmark's few accounts should not meet the registration limit either.
      REGISTRATIONS_PER_HOUR: "1000",
    },
  },
});
