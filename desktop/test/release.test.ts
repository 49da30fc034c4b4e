/**
 * Building a release: `npm run dist:desktop` refuses to build without the API server and update feed of the release
 * (a build without MAIN_VITE_API_BASE_URL talks to 127.0.0.1); and `npm run dev:desktop` works under the renderer's
 * CSP — the dev server's page (React Refresh preamble, injected styles, HMR socket) loads in Chromium with no CSP
 * violation, while the built app keeps the strict production policy.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cspOf } from '../dev-csp.js';
import { freePort } from '../../server/test/support/server.js';
import { appState } from './support/app-state-fixtures.js';
import { launchBrowser, openRenderer } from './support/renderer-harness.js';
import { ScriptedBridge } from './support/scripted-bridge.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const desktop = `${root}desktop/`;

const releaseEnv = (env: Record<string, string | undefined>) => {
  const base: Record<string, string | undefined> = { ...process.env };
  delete base.MAIN_VITE_API_BASE_URL;
  delete base.UPDATE_FEED_URL;
  return { ...base, ...env } as NodeJS.ProcessEnv;
};

describe('npm run dist:desktop', () => {
  it('refuses to build a release without MAIN_VITE_API_BASE_URL (nor with a loopback or plain-http one), before building anything', () => {
    const r = spawnSync('npm', ['run', '--silent', 'dist:desktop'], { cwd: root, env: releaseEnv({}), encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/MAIN_VITE_API_BASE_URL is not set/);
    expect(r.stderr).toMatch(/UPDATE_FEED_URL is not set/);
    expect(r.stdout).not.toMatch(/vite|building/i);

    const check = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['scripts/check-release-env.mjs'], { cwd: root, env: releaseEnv(env), encoding: 'utf8' });
    const feed = { UPDATE_FEED_URL: 'https://aizhao-releases-1250000000.cos.ap-shanghai.myqcloud.com/desktop' };
    for (const api of ['http://127.0.0.1:3000', 'https://localhost', 'http://api.aizhao.example', 'not a url']) {
      const bad = check({ ...feed, MAIN_VITE_API_BASE_URL: api });
      expect(bad.status, api).toBe(1);
      expect(bad.stderr, api).toMatch(/MAIN_VITE_API_BASE_URL/);
    }
    const good = check({ ...feed, MAIN_VITE_API_BASE_URL: 'https://api.aizhao.example' });
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
  });
});

describe('the renderer’s CSP', () => {
  let vite: ViteDevServer;
  let browser: Browser;
  beforeAll(async () => {
    const config = (await import('../electron.vite.config.js')).default as { renderer: Record<string, unknown> };
    const port = await freePort();
    vite = await createServer({
      ...config.renderer,
      configFile: false,
      logLevel: 'error',
      server: { host: '127.0.0.1', port, strictPort: true },
    });
    await vite.listen();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await vite?.close();
  });

  it('development: the dev server’s page runs under its dev policy with no violation', async () => {
    const url = vite.resolvedUrls!.local[0]!;
    const html = await (await fetch(url)).text();
    const policy = cspOf(html);
    expect(policy).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(policy).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(policy).toMatch(/connect-src 'self' ws:\/\/127\.0\.0\.1:\d+/);

    const bridge = new ScriptedBridge(appState({ user: null, membership: null }));
    const r = await openRenderer(browser, url, bridge.invoke);
    // record every violation from the first script on (the page is loaded again with the listener in place)
    const violations: string[] = [];
    await r.page.exposeFunction('__cspViolation', (v: string) => violations.push(v));
    await r.page.addInitScript(() =>
      document.addEventListener('securitypolicyviolation', (e) =>
        (window as unknown as { __cspViolation(v: string): void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI}`),
      ),
    );
    await r.page.reload();
    await r.page.locator('[data-testid="login-phone"]').waitFor({ timeout: 20_000 });
    // the imported CSS was applied (injected as <style> by Vite's client)
    expect(await r.page.evaluate(() => document.querySelectorAll('style').length)).toBeGreaterThan(0);
    expect(violations).toEqual([]);
    expect(r.problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
    await r.close();
  });

  it('production: the built index.html keeps the strict policy of the source', () => {
    const source = cspOf(readFileSync(`${desktop}src/renderer/index.html`, 'utf8'));
    const built = cspOf(readFileSync(`${desktop}out/renderer/index.html`, 'utf8'));
    expect(built).toBe(source);
    expect(built).toContain("script-src 'self';");
    expect(built).not.toMatch(/unsafe-inline|ws:/);
  });
});
