// Debian's Chromium driven by playwright-core, for the browser tests. `npm test` installs it
// (scripts/test-servers/chromium.mjs) and passes its path as CHROMIUM_PATH.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Flags for a headless Chromium in a container, as root, on a small machine that has no network. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env['CHROMIUM_PATH'] || '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(
      `no Chromium at ${executablePath}: run the tests with npm test, which installs Debian's chromium and sets CHROMIUM_PATH`,
    );
  }
  return chromium.launch({ executablePath, args: FLAGS, timeout: 60_000 });
}

/** A fresh browser context whose tab is already signed in to the console with `credential`. */
export async function signedInContext(
  browser: Browser,
  credential: string,
  viewport: { width: number; height: number } = DESKTOP,
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  await context.addInitScript((key: string) => sessionStorage.setItem('event-hub-console.credential', key), credential);
  context.setDefaultTimeout(30_000);
  return context;
}

/**
 * Resolves with the page's clock (ms since the epoch) when `text` first appears in the page, as
 * seen by a MutationObserver: when it is rendered, not when the test next polls.
 */
export async function watchForText(page: Page, text: string): Promise<() => Promise<number>> {
  await page.evaluate((wanted: string) => {
    const win = window as unknown as { __seenAt?: Promise<number> };
    win.__seenAt = new Promise((resolve) => {
      const observer = new MutationObserver(() => {
        if (!document.body.textContent?.includes(wanted)) return;
        observer.disconnect();
        resolve(Date.now());
      });
      observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    });
  }, text);
  return () =>
    page.evaluate(
      (timeoutMs: number) =>
        Promise.race([
          (window as unknown as { __seenAt: Promise<number> }).__seenAt,
          new Promise<number>((_, reject) => setTimeout(() => reject(new Error('the text did not appear')), timeoutMs)),
        ]),
      APPEAR_MS,
    );
}

/** How long a test waits for something to appear: generous, as a loaded two-core machine runs the hub, Chromium and the test. */
export const APPEAR_MS = 30_000;

/** The width the page lays out to, to check nothing forces a sideways scroll. */
export const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);
