/**
 * Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) for testing HTML reports
 * as a person sees them: page errors and console errors are collected, screenshots saved.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function chromiumPath(): string {
  for (const candidate of CANDIDATES) if (candidate && existsSync(candidate)) return candidate;
  throw new Error('Chromium not found: apt-get install chromium (or set CHROMIUM_PATH); .ci/run installs it');
}

export interface OpenedReport {
  readonly browser: Browser;
  readonly page: Page;
  /** Console errors and uncaught page errors seen so far. */
  readonly errors: string[];
  /** Requests to anything but the file itself (a self-contained report makes none). */
  readonly externalRequests: string[];
  close(): Promise<void>;
}

export async function openReport(htmlFile: string): Promise<OpenedReport> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const externalRequests: string[] = [];
  const url = pathToFileURL(htmlFile).href;
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => {
    if (request.url() !== url && !request.url().startsWith('data:')) externalRequests.push(request.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  return { browser, page, errors, externalRequests, close: () => browser.close() };
}
