import type { Browser, Page } from 'puppeteer-core';

export function chromiumPath(): string;
export function launchBrowser(): Promise<Browser>;
/** What a page did while it opened: its requests, console errors and uncaught exceptions. */
export interface PageLog {
  readonly requests: string[];
  readonly errors: string[];
}
export function openChart(browser: Browser, file: string, width?: number, height?: number): Promise<{ page: Page; log: PageLog }>;
