import type { Browser } from 'playwright-core';

/** Chromium resolves no name and connects nowhere: what pages need comes through Playwright's routing. */
const OFFLINE = [
  '--host-resolver-rules=MAP * ~NOTFOUND',
  '--proxy-server=http://0.0.0.0:9',
  '--proxy-bypass-list=<-loopback>',
];

/**
 * Headless Chromium from the system (Debian's `chromium`), never a browser a tool downloads. Without
 * the background-networking flags Chromium keeps calling home, which a closed network refuses.
 *
 * `offline` (for printing): every name resolves to nothing, and every connection (to an address,
 * loopback included) would go through a proxy that is not there; each of the two alone was enough in
 * the test. Playwright's request routing answers before either. Without them, a frame or a refresh
 * in a template pointing at an address opened a connection to it before the routing refused the
 * request.
 */
export async function launchChromium(executablePath: string, { offline = false } = {}): Promise<Browser> {
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
      ...(offline ? OFFLINE : []),
    ],
  });
}
