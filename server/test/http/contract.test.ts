/** The contract's conventions: public routes, one error shape, request ids, health when the database is down. */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { HSTS_MAX_AGE_SECONDS, securityHeaders } from '../../src/http/security-headers.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfigResponse } from '@aizhao/shared';
import { call } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('HTTP conventions', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ jobs: false });
  });
  afterAll(() => s.destroy());

  it('serves /client-config matching the shared schema, with the sandbox COS endpoint', async () => {
    const r = await call(s.url, 'GET', '/client-config');
    expect(r.status).toBe(200);
    const cfg = clientConfigResponse.parse(r.body);
    expect(cfg.sandbox).toBe(true);
    expect(cfg.cos.domain).toMatch(/^127\.0\.0\.1:\d+\/sandbox\/cos$/);
    expect(cfg.taskTypes.map((t) => t.type)).toEqual(['basic_clean', 'model_pose12']);
    expect(cfg.upload.accept).toEqual(['image/jpeg', 'image/png', 'image/webp']);
    expect(JSON.stringify(r.body)).not.toMatch(/photography|prompt/i); // prompts never leave the server
  });

  it('answers every error in one shape with a request id, never HTML', async () => {
    const cases = [
      await call(s.url, 'GET', '/no/such/route'),
      await call(s.url, 'POST', '/auth/login', { raw: '{not json', headers: { 'content-type': 'application/json' } }),
      await call(s.url, 'POST', '/auth/login', { body: { phone: '13800138000' } }),
      await call(s.url, 'GET', '/tasks'),
      await call(s.url, 'GET', '/tasks?limit=500', { token: 'x.y.z' }),
    ];
    expect(cases.map((c) => c.status)).toEqual([404, 400, 400, 401, 401]);
    for (const c of cases) {
      expect(c.headers.get('content-type')).toContain('application/json');
      expect(c.body.error.requestId).toBe(c.headers.get('x-request-id'));
      expect(typeof c.body.error.message).toBe('string');
      expect(JSON.stringify(c.body)).not.toMatch(/at .*\.ts:\d+/);
    }
    expect(cases[2]!.body.error.details.length).toBeGreaterThan(0);
    const id = 'abcdef12-3456';
    expect((await call(s.url, 'GET', '/healthz', { headers: { 'x-request-id': id } })).headers.get('x-request-id')).toBe(id);
  });

  it('sends security headers on every answer (helmet), HSTS only in production', async () => {
    for (const path of ['/healthz', '/no/such/route', '/admin']) {
      const r = await call(s.url, 'GET', path);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('x-frame-options')).toMatch(/^(SAMEORIGIN|DENY)$/);
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
      expect(r.headers.get('strict-transport-security')).toBeNull(); // sandbox: plain http on a local address
    }
    const app = express().use(securityHeaders({ env: 'production' })).get('/', (_req, res) => void res.send('ok'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(res.headers.get('strict-transport-security')).toBe(`max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`);
    } finally {
      server.close();
    }
  });

  it('listens on the loopback address only (HOST unset)', () => {
    expect((s.server.address() as AddressInfo).address).toBe('127.0.0.1');
  });

  it('answers malformed requests as the client errors they are (400 / 413 / 415), never 500', async () => {
    const badParam = await call(s.url, 'GET', '/task/%E0%A4%A', { token: 'x.y.z' });
    const badEncoding = await call(s.url, 'POST', '/auth/sms-code', {
      raw: '{"phone":"13800138000"}',
      headers: { 'content-type': 'application/json', 'content-encoding': 'br-nonsense' },
    });
    const notGzip = await call(s.url, 'POST', '/auth/sms-code', {
      raw: '{"phone":"13800138000"}',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    const tooLarge = await call(s.url, 'POST', '/auth/login', {
      raw: JSON.stringify({ phone: '13800138000', code: 'x'.repeat(200_000) }),
      headers: { 'content-type': 'application/json' },
    });
    expect([badParam.status, badEncoding.status, notGzip.status, tooLarge.status]).toEqual([400, 415, 400, 413]);
    expect([badParam, badEncoding, notGzip, tooLarge].map((r) => r.body.error.code)).toEqual([
      'INVALID_INPUT',
      'UNSUPPORTED_MEDIA_TYPE',
      'INVALID_INPUT',
      'PAYLOAD_TOO_LARGE',
    ]);
    for (const r of [badParam, badEncoding, notGzip, tooLarge]) expect(r.body.error.requestId).toBe(r.headers.get('x-request-id'));
  });

  it('reports the database down as 503 on /healthz', async () => {
    expect((await call(s.url, 'GET', '/healthz')).body).toMatchObject({ ok: true, db: 'up', sandbox: true });
    await s.db.sequelize.close();
    const down = await call(s.url, 'GET', '/healthz');
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ ok: false, db: 'down' });
    const internal = await call(s.url, 'GET', '/client-config');
    expect(internal.status).toBe(200); // config does not need the database
  });
});
