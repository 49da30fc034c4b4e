/**
 * `npm run doctor` against the emulators with a production (non-sandbox) configuration: all ✓; and each broken
 * setting gives the ✗ of the check that covers it, with what to fix.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/index.js';
import { createMigrator } from '../../src/db/migrator.js';
import { formatReport, runDoctor } from '../../src/doctor/checks.js';
import { REPO_ROOT } from '../../src/paths.js';
import { createMysqlDatabase } from '../support/server.js';
import { doctorFor, otherPublicKeyPem, startDoctorWorld, type DoctorWorld } from './helpers.js';

const CHECKS = ['COS', 'CI', 'STS', 'WeChat Pay keys', 'WeChat Pay API', 'Alipay API', 'RunningHub', 'SMS', 'Database', 'PUBLIC_BASE_URL'];

let world: DoctorWorld;
beforeAll(async () => {
  world = await startDoctorWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('npm run doctor', () => {
  it('passes every check against the emulators, and leaves no probe object behind', async () => {
    const results = await runDoctor(loadConfig(world.env), world.endpoints);
    expect(results.map((r) => r.name)).toEqual(CHECKS);
    for (const r of results) expect({ name: r.name, ok: r.ok, detail: r.detail }).toMatchObject({ ok: true });
    const report = formatReport(results);
    expect(report.split('\n').filter((l) => l.startsWith('✓ '))).toHaveLength(CHECKS.length);
    expect(report).toMatch(/all 10 checks passed$/);
    // the probe and its cut-out were deleted
    const probe = /wrote, read and deleted (doctor\/\w+\.jpg)/.exec(results[0]!.detail)![1]!;
    expect(await world.s.ctx.vendors.storage.head(probe)).toBeNull();
    expect(await world.s.ctx.vendors.storage.head(probe.replace('.jpg', '-cutout.png'))).toBeNull();
  });

  it('Alipay: a private key that is not the app’s, or an Alipay public key that is not Alipay’s: ✗ with what to fix; off: ✓ off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aizhao-doctor-alipay-'));
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privatePath = join(dir, 'other_private.pem');
    writeFileSync(privatePath, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const publicPath = join(dir, 'other_public.pem');
    writeFileSync(publicPath, pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const badPrivate = (await doctorFor(world, { ALIPAY_PRIVATE_KEY_PATH: privatePath }))['Alipay API']!;
    expect(badPrivate.ok).toBe(false);
    expect(badPrivate.detail).toMatch(/isv\.invalid-signature.*ALIPAY_PRIVATE_KEY_PATH/);
    const badPublic = (await doctorFor(world, { ALIPAY_PUBLIC_KEY_PATH: publicPath }))['Alipay API']!;
    expect(badPublic.ok).toBe(false);
    expect(badPublic.detail).toMatch(/ALIPAY_PUBLIC_KEY_PATH/);
    const off = (await doctorFor(world, { PAYMENT_CHANNEL: 'wx' }))['Alipay API']!;
    expect(off).toMatchObject({ ok: true, detail: 'off (PAYMENT_CHANNEL does not include alipay)' });
  });

  it('a wrong Tencent secret key: COS ✗ and STS ✗, with what to fix', async () => {
    const r = await doctorFor(world, { TENCENT_SECRET_KEY: 'not-the-account-secret-key-0000000' });
    expect(r['COS']).toMatchObject({ ok: false, detail: expect.stringMatching(/SignatureDoesNotMatch[\s\S]*TENCENT_SECRET_KEY/) });
    expect(r['STS']).toMatchObject({ ok: false, detail: expect.stringMatching(/AuthFailure\.SignatureFailure[\s\S]*TENCENT_SECRET_KEY/) });
    expect(r['CI']).toMatchObject({ ok: false });
    for (const name of ['WeChat Pay API', 'RunningHub', 'Database', 'PUBLIC_BASE_URL']) expect(r[name]).toMatchObject({ ok: true });
  });

  it('a wrong WeChat Pay platform key: WeChat Pay API ✗, the advice names the signature', async () => {
    const path = join(world.dir, 'wrong_pub_key.pem');
    writeFileSync(path, otherPublicKeyPem());
    const r = await doctorFor(world, { WECHAT_PLATFORM_PUBLIC_KEY_PATH: path });
    expect(r['WeChat Pay keys']).toMatchObject({ ok: true }); // the file parses …
    expect(r['WeChat Pay API']).toMatchObject({ ok: false, detail: expect.stringMatching(/signature[\s\S]*WECHAT_PLATFORM_PUBLIC_KEY/) }); // … but is not WeChat's
  });

  it('a merchant private key WeChat Pay does not know: WeChat Pay API ✗ naming the merchant settings', async () => {
    const path = join(world.dir, 'other_apiclient_key.pem');
    writeFileSync(path, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const r = await doctorFor(world, { WECHAT_MERCHANT_PRIVATE_KEY_PATH: path });
    expect(r['WeChat Pay API']).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/SIGN_ERROR[\s\S]*WeChat refused our request signature[\s\S]*WECHAT_MERCHANT_PRIVATE_KEY_PATH/),
    });
  });

  it('a platform key file that is not a key: WeChat Pay keys ✗', async () => {
    const path = join(world.dir, 'garbage.pem');
    writeFileSync(path, '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n');
    const r = await doctorFor(world, { WECHAT_PLATFORM_PUBLIC_KEY_PATH: path });
    expect(r['WeChat Pay keys']).toMatchObject({ ok: false, detail: expect.stringContaining('WECHAT_PLATFORM_PUBLIC_KEY_PATH') });
  });

  it('a pending migration: Database ✗ naming it and npm run db:migrate', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aizhao-doctor-pending-'));
    try {
      const db = createDatabase({ url: null, dataDir });
      await db.migrate();
      const [last] = await createMigrator(db.sequelize).down(); // the newest migration undone: one pending
      await db.close();
      const r = await doctorFor(world, { DATA_DIR: dataDir });
      expect(r['Database']).toMatchObject({ ok: false, detail: expect.stringContaining(`1 pending migration(s) (${last!.name})`) });
      expect(r['Database']!.detail).toContain('npm run db:migrate');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('an http PUBLIC_BASE_URL: ✗, it must be https', async () => {
    const r = await doctorFor(world, { PUBLIC_BASE_URL: world.s.url });
    expect(r['PUBLIC_BASE_URL']).toMatchObject({ ok: false, detail: expect.stringContaining('is not https') });
  });

  it('an SMS signature the account does not have: SMS ✗ naming SMS_SIGN_NAME', async () => {
    const r = await doctorFor(world, { SMS_SIGN_NAME: '没有这个签名' });
    expect(r['SMS']).toMatchObject({
      ok: false,
      detail: expect.stringContaining('SMS_SIGN_NAME "没有这个签名" is not a signature of this account'),
    });
  });

  it('a RunningHub key that is not accepted: RunningHub ✗ naming RUNNINGHUB_API_KEY', async () => {
    const r = await doctorFor(world, { RUNNINGHUB_API_KEY: 'not-the-key' });
    expect(r['RunningHub']).toMatchObject({ ok: false, detail: expect.stringMatching(/802[\s\S]*RUNNINGHUB_API_KEY is not accepted/) });
  });
});

describe('timeouts', () => {
  it('a vendor that accepts the connection and never answers fails its check after DOCTOR_TIMEOUT_MS, the others are unaffected', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => void sockets.push(socket)); // takes the TLS connection, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const config = loadConfig({ ...world.env, DOCTOR_TIMEOUT_MS: '1000', STS_TIMEOUT_MS: '600000' });
      const started = Date.now();
      const results = await runDoctor(config, { ...world.endpoints, stsHost: `127.0.0.1:${(silent.address() as AddressInfo).port}` });
      const elapsed = Date.now() - started;
      const sts = results.find((r) => r.name === 'STS')!;
      expect(sts).toMatchObject({ ok: false, detail: expect.stringContaining('no answer within 1000 ms (DOCTOR_TIMEOUT_MS)') });
      expect(results.filter((r) => !r.ok).map((r) => r.name)).toEqual(['STS']);
      expect(elapsed).toBeLessThan(60_000); // far below the client's own 600 s
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

describe('the database users of docs/deploy.md', () => {
  /** The privileges docs/deploy.md grants the server's own database user. */
  const serverGrants = (): string => {
    const m = /GRANT ([A-Z, ]+) ON ai_photo\.\* TO 'aizhao'@'127.0.0.1';/.exec(readFileSync(join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8'));
    expect(m, 'docs/deploy.md grants the server user').not.toBeNull();
    return m![1]!;
  };

  it("with the server user's grants only (no CREATE), the migrated MariaDB database passes the Database check", async () => {
    const grants = serverGrants();
    expect(grants).not.toMatch(/CREATE|ALTER|DROP/);
    const { url, drop } = await createMysqlDatabase();
    const u = new URL(url);
    const dbName = u.pathname.slice(1);
    const user = `dr${randomBytes(4).toString('hex')}`;
    const root = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: 'root' });
    try {
      const migrated = createDatabase({ url, dataDir: world.dir });
      await migrated.migrate();
      await migrated.close();
      await root.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'pw-${user}'`);
      await root.query(`GRANT ${grants} ON \`${dbName}\`.* TO '${user}'@'%'`);
      const r = await doctorFor(world, { DATABASE_URL: `mysql://${user}:pw-${user}@${u.host}/${dbName}` });
      expect(r['Database']).toMatchObject({ ok: true, detail: 'mysql reachable, every migration applied' });
    } finally {
      await root.query(`DROP USER IF EXISTS '${user}'@'%'`);
      await root.end();
      await drop();
    }
  });
});
