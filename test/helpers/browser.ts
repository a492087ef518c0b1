import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../src/platform/chromium.ts';

/** Debian's Chromium, headless; never a browser a tool downloads. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Browser tests run where Chromium is installed, and always in CI (`.ci/run` installs it), where a
 * missing browser must fail rather than skip.
 */
export const browserTestsEnabled = existsSync(CHROMIUM_PATH) || Boolean(process.env.CI);

export const launchBrowser = (): Promise<Browser> => launchChromium(CHROMIUM_PATH);
