#!/usr/bin/env node
// Regenerates the installable app's images in public/: the icons (drawn here as SVG, in the
// style of public/favicon.svg, and rendered by headless Chromium) and the store screenshots
// (taken with Playwright from a running Parley server seeded with a small conversation).
//
//   node scripts/pwa-assets.mjs icons
//   node scripts/pwa-assets.mjs screenshots http://127.0.0.1:3000   # a server on a scratch database
//
// Uses the Playwright that end2end/ installs (cd end2end && npm ci) and Chromium at
// CHROMIUM_PATH (default /usr/bin/chromium); emoji need a colour emoji font (Debian:
// fonts-noto-color-emoji). Screenshots register three accounts through the
// REST API, so point it at a server whose data you do not mind.

import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "end2end", "package.json"));
const { chromium } = require("@playwright/test");

const INDIGO = "#4f46e5";
const INDIGO_DEEP = "#3730a3";
const CYAN = "#22d3ee";

/**
 * The two speech bubbles of the favicon (a 32-unit grid), white and cyan on indigo. `scale`
 * and the offsets place them; `radius` rounds the tile (0 = full bleed, for maskable icons).
 */
function iconSvg({ size, scale, radius }) {
  // The bubbles span x 2..30 and y 4..30 of the favicon grid; centre them on the tile.
  const dx = 256 - 16 * scale;
  const dy = 256 - 17 * scale;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 512 512">
  <defs>
    <linearGradient id="tile" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="${INDIGO}"/>
      <stop offset="1" stop-color="${INDIGO_DEEP}"/>
    </linearGradient>
  </defs>
  <rect width="512" height="512" rx="${radius}" fill="url(#tile)"/>
  <g transform="translate(${dx} ${dy}) scale(${scale})">
    <rect x="2" y="4" width="20" height="16" rx="6" fill="#ffffff"/>
    <path d="M7 19 L7 26 L14 19 Z" fill="#ffffff"/>
    <rect x="12" y="11" width="18" height="14" rx="5" fill="${CYAN}"/>
    <path d="M25 24 L25 30 L19 24 Z" fill="${CYAN}"/>
  </g>
</svg>`;
}

// "any" icons: a rounded tile with the mark at 70% of its width.
// Maskable and Apple icons: full bleed, the mark inside the central 80% circle platforms keep.
const ICONS = [
  { file: "icons/icon-192.png", size: 192, scale: 12.5, radius: 112 },
  { file: "icons/icon-512.png", size: 512, scale: 12.5, radius: 112 },
  { file: "icons/icon-maskable-512.png", size: 512, scale: 10, radius: 0 },
  { file: "icons/apple-touch-icon.png", size: 180, scale: 11, radius: 0 },
];

async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
}

async function icons() {
  const browser = await launch();
  const page = await browser.newPage();
  for (const icon of ICONS) {
    await page.setViewportSize({ width: icon.size, height: icon.size });
    await page.setContent(
      `<!DOCTYPE html><html><body style="margin:0;background:transparent">${iconSvg(icon)}</body></html>`,
    );
    const path = join(root, "public", icon.file);
    mkdirSync(dirname(path), { recursive: true });
    await page.screenshot({ path, omitBackground: true, clip: { x: 0, y: 0, width: icon.size, height: icon.size } });
    console.log(`wrote public/${icon.file} (${icon.size}x${icon.size})`);
  }
  await browser.close();
}

async function api(base, path, token, body) {
  const response = await fetch(`${base}/api/v1${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body ?? {}),
  });
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Three people, a few rooms and a short conversation to photograph. */
async function seed(base) {
  const stamp = Date.now().toString(36);
  const password = `screenshot password ${stamp}`;
  const people = {};
  for (const [key, display] of [["maya", "Maya Chen"], ["tom", "Tom Okafor"], ["ines", "Inès Duarte"]]) {
    const username = `${key}_${stamp}`;
    const tokens = await api(base, "/auth/register", null, {
      email: `${username}@example.com`,
      username,
      password,
      display_name: display,
    });
    people[key] = { username, token: tokens.access_token };
  }
  const room = await api(base, "/rooms", people.maya.token, {
    name: "Launch plan",
    description: "Everything for Thursday's release",
  });
  for (const name of ["Design reviews", "Support rota", "Random"]) {
    await api(base, "/rooms", people.maya.token, { name });
  }
  for (const who of ["tom", "ines"]) await api(base, `/rooms/${room.id}/join`, people[who].token);
  const lines = [
    ["tom", "Morning! The release branch is cut and CI is green."],
    ["ines", "Great. I'm updating the changelog now, anything I should highlight?"],
    ["maya", "Offline sends, please. People kept asking for them."],
    ["tom", "And the app installs from the browser menu now, phones included."],
    ["ines", "Noted both. Draft is in the shared doc in ten minutes."],
    ["maya", "Perfect. Let's do a last check at 3 pm and ship at 4."],
    ["tom", "👍 I'll watch the dashboards after the deploy."],
  ];
  let last;
  for (const [who, body] of lines) {
    last = await api(base, `/rooms/${room.id}/messages`, people[who].token, { body });
  }
  // Read up to the end, so the room opens at the newest message rather than an unread divider.
  await api(base, `/rooms/${room.id}/read`, people.maya.token, { seq: last.seq });
  return { room, user: people.maya.username, password };
}

async function screenshots(base) {
  const { room, user, password } = await seed(base);
  const browser = await launch();
  const shots = [
    { file: "screenshots/wide.png", viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 },
    { file: "screenshots/narrow.png", viewport: { width: 360, height: 640 }, deviceScaleFactor: 1.5 },
  ];
  for (const shot of shots) {
    const context = await browser.newContext({
      baseURL: base,
      viewport: shot.viewport,
      deviceScaleFactor: shot.deviceScaleFactor,
      colorScheme: "light",
      // Keeps the service worker (and its "new version" banner) out of the picture.
      serviceWorkers: "block",
    });
    const page = await context.newPage();
    await page.goto(`/signin?next=/rooms/${room.id}`);
    await page.locator("body[data-hydrated=true]").waitFor();
    await page.getByLabel("Email or username").fill(user);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("chat-status").filter({ hasText: "Live" }).waitFor();
    await page.getByText("ship at 4").waitFor();
    await page.waitForTimeout(500);
    const path = join(root, "public", shot.file);
    mkdirSync(dirname(path), { recursive: true });
    await page.screenshot({ path });
    console.log(`wrote public/${shot.file}`);
    await context.close();
  }
  await browser.close();
}

const [what, base] = process.argv.slice(2);
if (what === "icons") {
  await icons();
} else if (what === "screenshots" && base) {
  await screenshots(base.replace(/\/$/, ""));
} else {
  console.error("usage: node scripts/pwa-assets.mjs icons | screenshots <base-url>");
  process.exit(2);
}
