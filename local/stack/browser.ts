import { existsSync, mkdirSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';
import { paths } from './paths';

/**
 * Headless Chromium for the checks of the stack's web pages (Debian's `chromium` package; CI
 * installs it). CHROMIUM_PATH points elsewhere if needed.
 */
export const chromiumPath = (env: NodeJS.ProcessEnv = process.env): string =>
  env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  return puppeteer.launch({
    executablePath,
    headless: true,
    // Root in CI: Chromium's sandbox needs user namespaces that a container may not give.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/** Where a test keeps its screenshots: .stack/artifacts (outside git). */
export function artifactPath(file: string): string {
  mkdirSync(paths.artifacts, { recursive: true });
  return `${paths.artifacts}/${file}`;
}
