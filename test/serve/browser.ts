/**
 * Headless Chromium for the dashboard tests (Debian's /usr/bin/chromium, or $CHROMIUM), driven by
 * playwright-core: every request the page makes is recorded (so a test can check that none leaves
 * the server), and so is every console error and uncaught exception. In CI (CI=true) a missing
 * browser fails the test; elsewhere it is skipped.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const skipBrowser = !existsSync(chromiumPath) && process.env.CI !== 'true' && `no Chromium at ${chromiumPath} (apt-get install chromium)`;

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface WatchedPage {
  page: Page;
  requests: string[];
  errors: string[];
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: ARGS });
}

export async function openPage(browser: Browser, viewport = { width: 1400, height: 1000 }): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return { page, requests, errors };
}

/** Every request went to the dashboard itself, and the page logged no error. */
export function assertCleanPage(watched: WatchedPage, origin: string): void {
  assert.ok(watched.requests.length > 0, 'the page made requests');
  const elsewhere = watched.requests.filter((url) => new URL(url).origin !== origin);
  assert.deepEqual(elsewhere, [], 'every request goes to the dashboard');
  assert.deepEqual(watched.errors, [], 'no console error or uncaught exception');
}

/** A screenshot kept beside the test's files; its path is printed for whoever looks for it. */
export async function keepScreenshot(page: Page, dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}

export async function waitDrawn(page: Page): Promise<void> {
  await page.waitForSelector('body[data-ready=true]', { timeout: 10_000 });
}
