/** One sandbox server (SQLite) and one desktop against it for a describe block, cleaned up after it. */
import { afterAll, beforeAll } from 'vitest';
import { startTestServer, type TestServer } from '../../../server/test/support/server.js';
import { buyInApp, loginWithSandboxCode, startDesktop, type Desktop } from './desktop.js';

export interface SandboxDesktop {
  server: TestServer;
  d: Desktop;
}

/**
 * Registers the hooks; the returned object is filled in `beforeAll`. `as`: logged out (`guest`), logged in (`user`),
 * or logged in with a paid membership (`member`).
 */
export function sandboxDesktop(as: 'guest' | 'user' | 'member'): SandboxDesktop {
  const ctx = {} as SandboxDesktop;
  beforeAll(async () => {
    ctx.server = await startTestServer({ db: 'sqlite' });
    ctx.d = await startDesktop(ctx.server.url);
    if (as !== 'guest') await loginWithSandboxCode(ctx.d, ctx.server.url);
    if (as === 'member') await buyInApp(ctx.d);
  });
  afterAll(async () => {
    await ctx.d?.service.close();
    await ctx.server?.destroy();
  });
  return ctx;
}
