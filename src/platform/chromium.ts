import type { Browser } from 'playwright-core';

/**
 * Headless Chromium from the system (Debian's `chromium`), never a browser a tool downloads. Without
 * the background-networking flags Chromium keeps calling home, which a closed network refuses.
 */
export async function launchChromium(executablePath: string): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
