/**
 * A server with SANDBOX_URL and the shared sandbox process (`npm run sandbox`) for COS/CI: the app reaches the
 * emulated COS at the server's own address (forwarded to the sandbox process), while the server's own COS and CI
 * calls go straight to the sandbox process, not through its own forwarder (which would carry every byte and every
 * vendor call twice through the server). Told apart at the sandbox process by the Host each request arrives with.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { startSandboxServer, type SandboxProcess } from '../../src/sandbox/serve.js';
import { call, garmentJpeg, loginAsMember, uploadInput, waitForTask } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('COS through the shared sandbox process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aizhao-shared-cos-'));
  let sandbox: SandboxProcess;
  let s: TestServer;
  const seen: { method: string; url: string; host: string }[] = [];
  const record = (req: IncomingMessage): void => {
    // the sandbox's express app has already routed the request (and cut its mount off req.url): its originalUrl
    const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
    if (url.startsWith('/sandbox/cos/')) seen.push({ method: req.method ?? '', url, host: req.headers.host ?? '' });
  };

  beforeAll(async () => {
    sandbox = await startSandboxServer(
      loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, SANDBOX_PORT: '0', LOG_LEVEL: 'silent' }),
      createLogger('silent'),
    );
    sandbox.server.on('request', record);
    s = await startTestServer({ dataDir, env: { SANDBOX_URL: sandbox.url } });
  });
  afterAll(async () => {
    await s?.destroy();
    await sandbox?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("the app's upload is forwarded; the server's input check, audit, CI calls and result writes go to the sandbox process itself", async () => {
    expect(s.sandbox).toBeNull();
    const serverHost = new URL(s.url).host;
    const sandboxHost = new URL(sandbox.url).host;
    const { token } = await loginAsMember(s.url);
    const inputKey = await uploadInput(s.url, token, await garmentJpeg(900, 1200));
    const inputPath = `/${inputKey}`;
    const upload = seen.filter((r) => r.method === 'PUT' && r.url.includes(inputPath));
    expect(upload.length).toBeGreaterThan(0);
    expect(upload.every((r) => r.host === serverHost)).toBe(true);

    seen.length = 0;
    const created = await call(s.url, 'POST', '/task/create', { token, body: { type: 'basic_clean', inputKey } });
    expect(created.status).toBe(201);
    const task = await waitForTask(s.url, token, created.body.task.id as string);
    expect(task.status).toBe('done');
    // the input check's GET, the audit, the downscale and matting, the result PUTs: all the server's own calls
    const byServer = seen.filter((r) => r.host === sandboxHost);
    expect(byServer.some((r) => r.method === 'GET' && r.url.includes(inputPath) && !r.url.includes('ci-process'))).toBe(true);
    expect(byServer.some((r) => r.url.includes('ci-process=sensitive-content-recognition'))).toBe(true);
    expect(byServer.filter((r) => r.method === 'POST' && r.url.includes('image_process'))).toHaveLength(2);
    expect(byServer.filter((r) => r.method === 'PUT' && r.url.includes('/output/'))).toHaveLength(2);
    expect(seen.filter((r) => r.host !== sandboxHost)).toEqual([]);

    // the result URLs handed to the app point at the server's address, and work there (forwarded)
    expect(task.results.length).toBe(2);
    for (const result of task.results) {
      expect(result.url.startsWith(`${s.url}/sandbox/cos/`)).toBe(true);
      const got = await fetch(result.url);
      expect(got.status).toBe(200);
      expect((await got.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    expect(seen.filter((r) => r.method === 'GET' && r.url.includes('/output/')).every((r) => r.host === serverHost)).toBe(true);
  });
});
