/**
 * The sample nginx site (deploy/nginx/aizhao.conf), checked with Debian's nginx: `nginx -t` on a temporary nginx.conf
 * that includes the site with test certificates and temporary paths, then that nginx on free local ports in front
 * of a test server (TRUST_PROXY=loopback): HTTP → HTTPS redirect and the ACME challenge, HTTP/2, the client's address
 * forwarded (a forged X-Forwarded-For is not), the payment callback's raw body byte for byte (its signature
 * verifies), the body size limit, the /auth/ rate limit, /metrics closed. Without nginx the test fails and says so.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/paths.js';
import { loginAsMember, newPhone } from '../support/client.js';
import { freePort, startTestServer, type TestServer } from '../support/server.js';
import {
  createTestWechatIdentity,
  purchase,
  signedNotification,
  successTransaction,
  type TestWechatIdentity,
} from '../membership/helpers.js';
import { waitUntil } from '../tasks/helpers.js';

const SITE = join(REPO_ROOT, 'deploy', 'nginx', 'aizhao.conf');
const DOMAIN = 'api.example.com';
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

const tmp = mkdtempSync(join(tmpdir(), 'aizhao-nginx-'));
let cert: string;
let s: TestServer;
let wx: TestWechatIdentity;
let nginx: ChildProcess | null = null;
let httpPort: number;
let httpsPort: number;

/** The site with its machine paths and ports replaced; every replaced text must be there exactly as many times. */
function siteForTest(upstreamPort: number): string {
  let site = readFileSync(SITE, 'utf8');
  const swap = (from: string, to: string, times: number) => {
    expect(site.split(from).length - 1, `deploy/nginx/aizhao.conf: "${from}"`).toBe(times);
    site = site.split(from).join(to);
  };
  swap('listen 80;', `listen 127.0.0.1:${httpPort};`, 1);
  swap('listen [::]:80;', '', 1);
  swap('listen 443 ssl http2;', `listen 127.0.0.1:${httpsPort} ssl http2;`, 1);
  swap('listen [::]:443 ssl http2;', '', 1);
  swap(`ssl_certificate /etc/letsencrypt/live/${DOMAIN}/fullchain.pem;`, `ssl_certificate ${join(tmp, 'fullchain.pem')};`, 1);
  swap(`ssl_certificate_key /etc/letsencrypt/live/${DOMAIN}/privkey.pem;`, `ssl_certificate_key ${join(tmp, 'privkey.pem')};`, 1);
  swap('root /var/www/certbot;', `root ${join(tmp, 'www')};`, 1);
  swap('server 127.0.0.1:3000;', `server 127.0.0.1:${upstreamPort};`, 1);
  return site;
}

function writeNginxConf(upstreamPort: number): void {
  writeFileSync(join(tmp, 'aizhao.conf'), siteForTest(upstreamPort));
  const conf = join(tmp, 'nginx.conf');
  writeFileSync(
    conf,
    [
      'user root;', // as root in CI: workers may read the temporary web root
      'daemon off;',
      'worker_processes 1;',
      `pid ${join(tmp, 'nginx.pid')};`,
      `error_log ${join(tmp, 'error.log')} warn;`,
      'events { worker_connections 128; }',
      'http {',
      '  default_type application/octet-stream;',
      `  access_log ${join(tmp, 'access.log')};`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((d) => `  ${d}_temp_path ${join(tmp, `${d}_temp`)};`),
      `  include ${join(tmp, 'aizhao.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTPS request to the test nginx, from `localAddress` (any 127.x address is this machine). */
function viaNginx(
  method: string,
  path: string,
  o: { body?: string | Buffer; headers?: Record<string, string>; from?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: httpsPort,
        method,
        path,
        servername: DOMAIN,
        ca: cert,
        localAddress: o.from ?? '127.0.0.1',
        headers: { host: DOMAIN, ...(o.body ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}), ...o.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

function plainHttp(path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: httpPort, path, headers: { host: DOMAIN }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  expect(NGINX, 'nginx is not installed: run scripts/ensure-test-deps.sh (as root it runs apt-get install nginx)').toBeTruthy();
  chmodSync(tmp, 0o755);
  // a self-signed certificate for the domain, made now
  const openssl = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${DOMAIN}`,
      '-addext',
      `subjectAltName=DNS:${DOMAIN}`,
      '-keyout',
      join(tmp, 'privkey.pem'),
      '-out',
      join(tmp, 'fullchain.pem'),
    ],
    { encoding: 'utf8' },
  );
  expect(openssl.status, openssl.stderr).toBe(0);
  cert = readFileSync(join(tmp, 'fullchain.pem'), 'utf8');
  mkdirSync(join(tmp, 'www', '.well-known', 'acme-challenge'), { recursive: true });
  writeFileSync(join(tmp, 'www', '.well-known', 'acme-challenge', 'token-123'), 'token-123.thumbprint');

  wx = createTestWechatIdentity();
  s = await startTestServer({ env: { ...wx.env, TRUST_PROXY: 'loopback' } });
  httpPort = await freePort();
  httpsPort = await freePort();
  writeNginxConf(Number(new URL(s.url).port));
}, 120_000);

afterAll(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((r) => nginx!.once('exit', r));
    nginx.kill('SIGTERM');
    await exited;
  }
  await s?.destroy();
  wx?.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

describe('deploy/nginx/aizhao.conf', () => {
  it('passes nginx -t (Debian nginx) with test certificates and temporary paths', () => {
    const r = spawnSync(NGINX!, ['-t', '-c', join(tmp, 'nginx.conf'), '-p', tmp], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/syntax is ok/);
    expect(r.stderr).toMatch(/test is successful/);
  });

  it('the payment callback location is neither buffered nor cached', () => {
    const block = /location = \/membership\/payment-callback \{([^}]*)\}/.exec(readFileSync(SITE, 'utf8'))?.[1] ?? '';
    expect(block).toMatch(/proxy_request_buffering off;/);
    expect(block).toMatch(/proxy_buffering off;/);
    expect(block).toMatch(/proxy_cache off;/);
  });

  describe('running in front of the server', () => {
    beforeAll(async () => {
      const conf = join(tmp, 'nginx.conf');
      nginx = spawn(NGINX!, ['-c', conf, '-p', tmp], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      nginx.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      await waitUntil(
        async () => {
          if (nginx!.exitCode !== null) throw new Error(`nginx exited: ${err}`);
          return plainHttp('/').then(
            (a) => a.status,
            () => 0,
          );
        },
        (status) => status === 301,
        20_000,
        'nginx listening',
      );
    });

    it('redirects HTTP to HTTPS and serves the ACME challenge over HTTP', async () => {
      const r = await plainHttp('/healthz?x=1');
      expect(r.status).toBe(301);
      expect(r.headers.location).toBe(`https://${DOMAIN}/healthz?x=1`);
      const acme = await plainHttp('/.well-known/acme-challenge/token-123');
      expect(acme.status).toBe(200);
      expect(acme.body).toBe('token-123.thumbprint');
    });

    it('speaks HTTP/2 over TLS', async () => {
      const protocol = await new Promise<string | false | null>((resolve, reject) => {
        const socket = tlsConnect(
          { host: '127.0.0.1', port: httpsPort, servername: DOMAIN, ca: cert, ALPNProtocols: ['h2', 'http/1.1'] },
          () => {
            resolve(socket.alpnProtocol);
            socket.end();
          },
        );
        socket.on('error', reject);
      });
      expect(protocol).toBe('h2');
    });

    it('proxies to the server with the client address forwarded, a forged X-Forwarded-For ignored', async () => {
      const health = await viaNginx('GET', '/healthz');
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toMatchObject({ ok: true });
      const phone = newPhone();
      const sent = await viaNginx('POST', '/auth/sms-code', {
        from: '127.0.0.5',
        body: JSON.stringify({ phone }),
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.1' },
      });
      expect(sent.status, sent.body).toBe(200);
      const row = await s.db.models.SmsCode.findOne({ where: { phone } });
      expect(row?.ip).toBe('127.0.0.5');
    });

    it('passes the payment callback body byte for byte: a signed notification verifies, one changed byte does not', async () => {
      const who = await loginAsMember(s.url);
      const order = await purchase(s.url, who.token);
      const n = signedNotification(wx, successTransaction(wx, order));
      const tampered = await viaNginx('POST', '/membership/payment-callback', {
        body: `${n.body.slice(0, -1)} }`,
        headers: { 'content-type': 'application/json', ...n.headers },
      });
      expect(tampered.status, tampered.body).toBe(401);
      const ok = await viaNginx('POST', '/membership/payment-callback', {
        body: n.body,
        headers: { 'content-type': 'application/json', ...n.headers },
      });
      expect(ok.status, ok.body).toBe(204);
      expect((await s.db.models.Order.findByPk(order.orderId))?.status).toBe('paid');
    });

    it('refuses bodies over the API limit itself (413) and lets ones under it through', async () => {
      const big = await viaNginx('POST', '/task/create', {
        body: JSON.stringify({ pad: 'x'.repeat(150 * 1024) }),
        headers: { 'content-type': 'application/json' },
      });
      expect(big.status).toBe(413);
      expect(big.headers['content-type']).toMatch(/text\/html/); // nginx's answer: it never reached Node
      const small = await viaNginx('POST', '/task/create', {
        body: JSON.stringify({ pad: 'x'.repeat(50 * 1024) }),
        headers: { 'content-type': 'application/json' },
      });
      expect(small.status).toBe(401);
      expect(JSON.parse(small.body).error.code).toBe('UNAUTHENTICATED');
    });

    it('rate-limits /auth/ per client address (429 from nginx) and keeps /metrics closed', async () => {
      const answers: Answer[] = [];
      for (let i = 0; i < 12; i++) {
        answers.push(
          await viaNginx('POST', '/auth/login', { from: '127.0.0.7', body: '{}', headers: { 'content-type': 'application/json' } }),
        );
      }
      const limited = answers.filter((a) => a.status === 429 && /text\/html/.test(String(a.headers['content-type'])));
      expect(limited.length, JSON.stringify(answers.map((a) => a.status))).toBeGreaterThanOrEqual(5);
      expect(answers[0]!.status).toBe(400); // the first ones reach the server (invalid input)
      // another address is not limited by the first one's requests
      expect(
        (await viaNginx('POST', '/auth/login', { from: '127.0.0.8', body: '{}', headers: { 'content-type': 'application/json' } })).status,
      ).toBe(400);
      expect((await viaNginx('GET', '/metrics')).status).toBe(404);
    });
  });
});
