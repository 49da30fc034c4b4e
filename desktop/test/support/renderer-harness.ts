/**
 * The built renderer (`desktop/out/renderer`) in Chromium, with `window.api` supplied by the test.
 *
 * The renderer is served over a tiny static HTTP server on 127.0.0.1 (module scripts do not load from file://). An
 * init script defines `window.api` exactly as the preload shapes it: every call goes to `window.__invoke(channel,
 * args)`, a binding to a Node function of the test — a scripted fake (`ScriptedBridge`) for the renderer's component
 * tests, or the real main-process handlers for the end-to-end test. `pushMessage` delivers a state message (what main
 * pushes: a patch) to the `onState` listeners, `pushState` a whole state (as a snapshot newer than any before), and `pathForFile` answers from `window.__filePaths[file.name]` (set with `setFilePaths`).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import {
  INVOKE_CHANNELS,
  type AppState,
  type InvokeChannel,
  type IpcResult,
  type NavigateTarget,
  type StateMessage,
} from '../../src/shared/contract.js';

export const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer/', import.meta.url));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots go: docs/screenshots/ with UPDATE_SCREENSHOTS=1 (the README shows them), else test-results/. */
export function screenshotDir(): string {
  const dir = fileURLToPath(
    new URL(process.env.UPDATE_SCREENSHOTS === '1' ? '../../../docs/screenshots/' : '../../../test-results/screenshots/', import.meta.url),
  );
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** What answers the renderer's calls: one channel, its arguments, the IPC envelope back. */
export type Invoker = (channel: InvokeChannel, args: unknown[]) => IpcResult<unknown> | Promise<IpcResult<unknown>>;

declare global {
  interface Window {
    __invoke(channel: string, args: unknown[]): Promise<IpcResult<unknown>>;
    __pushState(state: AppState): void;
    __pushMessage(message: StateMessage): void;
    __navigate(target: NavigateTarget): void;
    __filePaths: Record<string, string>;
  }
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `root` read-only on 127.0.0.1 (a random port); `/` is index.html. */
export async function serveRenderer(root = RENDERER_DIR): Promise<StaticServer> {
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(`${root}index.html is missing: build the renderer first (cd desktop && npx electron-vite build)`);
  }
  const server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (pathname === '/favicon.ico') {
      res.writeHead(204).end(); // Chromium asks for one; Electron's window does not
      return;
    }
    const file = normalize(join(root, pathname === '/' ? 'index.html' : pathname));
    if (req.method !== 'GET' || !file.startsWith(normalize(root + sep))) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) =>
        res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** Runs in the page before any of its scripts: the preload's `window.api`, backed by `window.__invoke`. */
function installBridge({ channels, filePaths }: { channels: string[]; filePaths: Record<string, string> }): void {
  const listeners = new Set<(message: StateMessage) => void>();
  const navigators = new Set<(target: NavigateTarget) => void>();
  let pushed = 0;
  window.__filePaths = { ...filePaths };
  window.__pushMessage = (message) => listeners.forEach((listener) => listener(message));
  // a whole state from a test: a snapshot numbered after every earlier one (ScriptedBridge's getSnapshot is 0)
  window.__pushState = (state) => window.__pushMessage({ kind: 'snapshot', version: ++pushed, state });
  window.__navigate = (target) => navigators.forEach((listener) => listener(target));
  const api: Record<string, unknown> = {
    pathForFile: (file: File) => window.__filePaths[file.name] ?? '',
    onState(listener: (message: StateMessage) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onNavigate(listener: (target: NavigateTarget) => void) {
      navigators.add(listener);
      return () => navigators.delete(listener);
    },
  };
  for (const channel of channels) api[channel] = (...args: unknown[]) => window.__invoke(channel, args);
  Object.defineProperty(window, 'api', { value: Object.freeze(api), writable: false });
}

export interface RendererPage {
  context: BrowserContext;
  page: Page;
  /** console errors (a CSP violation is one), uncaught exceptions and failed requests */
  problems: string[];
  close(): Promise<void>;
}

/** The page's time zone unless a test chooses another: the merchants' (dates on screen are local dates). */
export const PAGE_TIME_ZONE = 'Asia/Shanghai';

/** A day as the page writes it (YYYY-MM-DD in PAGE_TIME_ZONE), whatever the test machine's own zone is. */
export const pageDay = (ms: number): string => new Intl.DateTimeFormat('en-CA', { timeZone: PAGE_TIME_ZONE }).format(ms);

export interface OpenOptions {
  viewport?: { width: number; height: number };
  filePaths?: Record<string, string>;
  timezoneId?: string;
}

/** A fresh page on the served renderer whose calls go to `invoke`. Resolves once the document has loaded. */
export async function openRenderer(browser: Browser, url: string, invoke: Invoker, options: OpenOptions = {}): Promise<RendererPage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    locale: 'zh-CN',
    timezoneId: options.timezoneId ?? PAGE_TIME_ZONE,
  });
  await context.exposeBinding('__invoke', (_source, channel: InvokeChannel, args: unknown[]) => invoke(channel, args));
  // functions serialised into the page may carry esbuild's `__name(fn, "name")` wrapper when this module runs under
  // tsx (keepNames: the benchmark); the page has no such helper of its own
  await context.addInitScript({ content: 'globalThis.__name ??= (fn) => fn;' });
  await context.addInitScript(installBridge, { channels: [...INVOKE_CHANNELS], filePaths: options.filePaths ?? {} });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  await page.goto(url);
  return { context, page, problems, close: () => context.close() };
}

/** Delivers a whole state (a test's scripted main process). */
export async function pushState(page: Page, state: AppState): Promise<void> {
  await page.evaluate((s) => window.__pushState(s), state);
}

/** Delivers a state message, as main does on every change (`AppService.onStateMessage` → webContents.send). */
export async function pushMessage(page: Page, message: StateMessage): Promise<void> {
  await page.evaluate((m) => window.__pushMessage(m), message);
}

/** Main asks the renderer to show a batch (a notification was clicked). */
export async function navigate(page: Page, target: NavigateTarget): Promise<void> {
  await page.evaluate((t) => window.__navigate(t), target);
}

/** What `pathForFile` answers for a dropped file of this name. */
export async function setFilePaths(page: Page, paths: Record<string, string>): Promise<void> {
  await page.evaluate((p) => Object.assign(window.__filePaths, p), paths);
}

export interface DroppedFile {
  name: string;
  type?: string;
  content?: string;
}

/** Dispatches drag events carrying `files` at the element matching `selector`, in order. */
export async function dispatchDrag(page: Page, selector: string, files: DroppedFile[], types: string[]): Promise<void> {
  await page.locator(selector).evaluate(
    (el, { list, events }) => {
      const data = new DataTransfer();
      for (const f of list) data.items.add(new File([f.content ?? 'x'], f.name, { type: f.type ?? '' }));
      for (const type of events) el.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    },
    { list: files, events: types },
  );
}

/** Drags files onto the element matching `selector` and drops them (dragenter → dragover → drop, as Chromium does). */
export const dropFiles = (page: Page, selector: string, files: DroppedFile[]): Promise<void> =>
  dispatchDrag(page, selector, files, ['dragenter', 'dragover', 'drop']);

/**
 * One renderer server and one browser for a test file, and at most one open page at a time: `open` opens the
 * renderer; after each test the page is closed, and the test fails if the page reported problems.
 */
export function useRendererPages(): { open(invoke: Invoker, options?: OpenOptions): Promise<RendererPage> } {
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  let current: RendererPage | null = null;
  beforeAll(async () => {
    server = await serveRenderer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  afterEach(async () => {
    const problems = current?.problems ?? [];
    await current?.close();
    current = null;
    expect(problems).toEqual([]);
  });
  return {
    async open(invoke, options) {
      current = await openRenderer(browser!, server!.url, invoke, options);
      return current;
    },
  };
}
