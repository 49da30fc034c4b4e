/**
 * Content audit end to end (POST /task/create with AUDIT_ENABLED): a phone photo over 5 MB is audited (CI's
 * large-image mode), and a suspected answer (Result 2, Score 61–90) is rejected only from AUDIT_THRESHOLD up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, uploadInput } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { basicBody, charges, createTask, expectError, finish, newMerchant, type Merchant } from '../tasks/helpers.js';
import { noisyJpeg } from './helpers.js';

let s: TestServer;
let m: Merchant;
let bigKey: string;
const setAudit = (body: Record<string, unknown>) => call(s.url, 'POST', '/sandbox/audit/behaviour', { body });

beforeAll(async () => {
  s = await startTestServer({ env: { AUDIT_ENABLED: '1', AUDIT_THRESHOLD: '0.8' } });
  m = await newMerchant(s.url);
  bigKey = await uploadInput(s.url, m.token, await noisyJpeg());
}, 60_000);
afterAll(() => finish(s, async () => void (await setAudit({ mode: 'pass' }))));

describe('content audit on task creation', () => {
  it('audits a photo over 5 MB instead of failing it as AUDIT_UNAVAILABLE', async () => {
    const r = await createTask(s.url, m.token, basicBody(bigKey));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  });

  it('suspected below the threshold passes, at or above it is rejected; sensitive is rejected; nothing charged for a refusal', async () => {
    const before = await charges(s, m);
    expect((await setAudit({ mode: 'suspect', score: 79 })).status).toBe(200);
    const below = await createTask(s.url, m.token, basicBody(m.inputKey));
    expect(below.status, JSON.stringify(below.body)).toBe(201);

    expect((await setAudit({ mode: 'suspect', score: 80 })).status).toBe(200);
    expectError(await createTask(s.url, m.token, basicBody(bigKey)), 422, 'CONTENT_REJECTED');
    expect((await setAudit({ mode: 'reject', score: 91 })).status).toBe(200);
    expectError(await createTask(s.url, m.token, basicBody(bigKey)), 422, 'CONTENT_REJECTED');

    const after = await charges(s, m);
    expect(after.deducts - before.deducts).toBe(1);
    expect(after.tasks - before.tasks).toBe(1);
  });

  it('the control route refuses a score outside the band of its result', async () => {
    const r = await setAudit({ mode: 'suspect', score: 95 });
    expectError(r, 400, 'INVALID_INPUT');
    expectError(await setAudit({ mode: 'pass', score: 70 }), 400, 'INVALID_INPUT');
  });
});
