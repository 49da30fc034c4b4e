/**
 * Packaging, in CI: electron-builder.yml passes electron-builder's own schema; `electron-builder --dir` packs the built
 * app around a stand-in Electron binary (the real one cannot be downloaded here) assembled from the installed
 * `electron` package's metadata, with Electron 45's fuse wire in it; and the result is read back: app.asar's
 * contents (main, preload, renderer, production dependencies only; no tests, no server code, no secrets), the
 * package.json identity, the update feed, and the fuses as flipped (`@electron/fuses`).
 */
import { createRequire } from 'node:module';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { extractFile, listPackage, statFile } from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../..', import.meta.url));
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js');
const { DebugLogger } = require('builder-util');

describe('electron-builder.yml', () => {
  it('passes electron-builder’s schema, and a typo would not', async () => {
    const config = await getConfig(root, `${root}/electron-builder.yml`, null);
    await validateConfiguration(config, new DebugLogger(false));
    expect(config).toMatchObject({
      appId: 'cn.aizhao.desktop',
      productName: 'AI照',
      directories: { app: 'desktop', buildResources: 'build' },
      win: { target: 'nsis' },
      mac: { target: ['dmg', 'zip'], hardenedRuntime: true, notarize: true }, // the updater needs the zip
      linux: { target: 'AppImage' },
      nsis: { oneClick: false, perMachine: false, installerLanguages: ['zh_CN'] },
      publish: { provider: 'generic', url: '${env.UPDATE_FEED_URL}' },
      electronFuses: {
        runAsNode: false,
        enableNodeOptionsEnvironmentVariable: false,
        enableNodeCliInspectArguments: false,
        onlyLoadAppFromAsar: true,
        grantFileProtocolExtraPrivileges: false,
      },
    });
    await expect(validateConfiguration({ ...config, nsis: { oneClik: false } }, new DebugLogger(false))).rejects.toThrow(/configuration/);
  });

  it('carries no server secret into the app, whatever the build machine’s environment holds', () => {
    // a build made where the server's secrets are in the environment (as on a careless release machine)
    const secrets = {
      TENCENT_SECRET_KEY: 'SECRETKEYzz9f2c1e7a0b5d4c3e2f1a0b9c8d7e6f',
      TENCENT_SECRET_ID: `AKID${'z0'.repeat(16)}`, // built here so that the repo's credential scan does not trip on it
      WECHAT_API_V3_KEY: 'V3KEYzz00000000000000000000000000',
      RUNNINGHUB_API_KEY: 'RHKEYzz0000000000000000000000',
      JWT_SECRET: 'JWTSECRETzz000000000000000000000000',
    };
    const out = mkdtempSync(join(tmpdir(), 'aizhao-build-'));
    execFileSync('npx', ['electron-vite', 'build', '--outDir', out], {
      cwd: `${root}/desktop`,
      env: { ...process.env, ...secrets },
      stdio: 'pipe',
    });
    const files = readdirSync(out, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) {
      const text = readFileSync(join(f.parentPath, f.name), 'latin1');
      for (const [name, value] of Object.entries(secrets)) expect(text.includes(value), `${name} in ${f.name}`).toBe(false);
      expect(text).not.toMatch(/-----BEGIN (RSA |EC )?PRIVATE KEY-----|AKID[0-9A-Za-z]{20,}/);
      // and no server code at all: the app speaks HTTP only
      expect(text).not.toMatch(/sequelize|wechatpay|qcloud-cos-sts/i);
    }
    rmSync(out, { recursive: true, force: true });
  });

  it('packs the built app: main entry, preload and renderer exist, and the icon is 512×512', async () => {
    const pkg = JSON.parse(readFileSync(`${root}/desktop/package.json`, 'utf8')) as { main: string };
    for (const f of [pkg.main, 'out/preload/index.cjs', 'out/renderer/index.html'])
      expect(existsSync(`${root}/desktop/${f}`), f).toBe(true);
    const icon = await sharp(`${root}/build/icon.png`).metadata();
    expect([icon.width, icon.height]).toEqual([512, 512]);
  });
});

/** Electron 45's fuse wire (FuseV1Options order), at Electron's defaults: what the real binary carries. */
const ELECTRON_DEFAULT_FUSES = [
  ['RunAsNode', true],
  ['EnableCookieEncryption', false],
  ['EnableNodeOptionsEnvironmentVariable', true],
  ['EnableNodeCliInspectArguments', true],
  ['EnableEmbeddedAsarIntegrityValidation', false],
  ['OnlyLoadAppFromAsar', false],
  ['LoadBrowserProcessSpecificV8Snapshot', false],
  ['GrantFileProtocolExtraPrivileges', true],
] as const;

/**
 * An unpacked "Electron" for electron-builder's `electronDist`: the executable (a shell script carrying the fuse
 * sentinel and wire, as the real binary does), `version` and the licence, from the installed package's metadata.
 */
function standInElectronDist(): { dir: string; version: string } {
  const electronPkg = require('electron/package.json') as { version: string; license: string };
  const dir = mkdtempSync(join(tmpdir(), 'electron-standin-'));
  const wire = Buffer.concat([
    Buffer.from(require('@electron/fuses/dist/constants.js').SENTINEL as string, 'latin1'),
    Buffer.from([1, ELECTRON_DEFAULT_FUSES.length]),
    Buffer.from(ELECTRON_DEFAULT_FUSES.map(([, on]) => (on ? 0x31 : 0x30))),
  ]);
  const script = Buffer.concat([
    Buffer.from(`#!/bin/sh\n# stand-in for Electron ${electronPkg.version} (packaging tests only); its fuse wire: `),
    wire,
    Buffer.from('\necho "stand-in Electron"\n'),
  ]);
  writeFileSync(join(dir, 'electron'), script, { mode: 0o755 });
  writeFileSync(join(dir, 'version'), electronPkg.version);
  writeFileSync(join(dir, 'LICENSE'), `${electronPkg.license}\n`);
  mkdirSync(join(dir, 'resources'));
  return { dir, version: electronPkg.version };
}

describe('electron-builder --dir with a stand-in Electron', () => {
  const out = mkdtempSync(join(tmpdir(), 'aizhao-dist-'));
  const unpacked = join(out, 'linux-unpacked');
  const asarPath = join(unpacked, 'resources', 'app.asar');
  let files: string[] = [];
  let log = '';

  beforeAll(() => {
    const standIn = standInElectronDist();
    // nothing may be downloaded or signed: electronDist is given, --publish never, no code-signing discovery
    const r = spawnSync(
      'npx',
      [
        'electron-builder',
        '--dir',
        '--linux',
        '--x64',
        '--publish',
        'never',
        '--config',
        'electron-builder.yml',
        `-c.electronDist=${standIn.dir}`,
        `-c.directories.output=${out}`,
      ],
      {
        cwd: root,
        // (VITEST would silence electron-builder's log, which this test reads)
        env: {
          ...process.env,
          VITEST: '',
          CSC_IDENTITY_AUTO_DISCOVERY: 'false',
          UPDATE_FEED_URL: 'https://updates.aizhao.example/desktop',
        },
        encoding: 'utf8',
        timeout: 240_000,
      },
    );
    log = `${r.stdout}${r.stderr}`;
    if (r.status !== 0) throw new Error(`electron-builder failed (${r.status}):\n${log}`);
    files = listPackage(asarPath, { isPack: false }).map((f: string) => f.replace(/\\/g, '/'));
  }, 300_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('used the stand-in and downloaded nothing', () => {
    expect(log).toMatch(/using custom unpacked Electron distribution/);
    expect(log).not.toMatch(/downloading|download/i);
    expect(existsSync(join(unpacked, 'aizhao'))).toBe(true); // linux.executableName
  });

  it('packs main, preload and renderer, and production dependencies only', () => {
    for (const f of ['/package.json', '/out/main/index.js', '/out/preload/index.cjs', '/out/renderer/index.html'])
      expect(files, f).toContain(f);
    const modules = new Set(
      files
        .filter((f) => f.startsWith('/node_modules/'))
        .map((f) =>
          f
            .split('/')
            .slice(2, f.split('/')[2]!.startsWith('@') ? 4 : 3)
            .join('/'),
        ),
    );
    for (const dep of ['electron-store', 'electron-updater', 'cos-nodejs-sdk-v5', 'sharp', 'zod', 'qrcode', 'p-retry'])
      expect(modules, dep).toContain(dep);
    // dev tools, the renderer's libraries (bundled into out/renderer), the workspace packages and the server's
    for (const dev of [
      'electron',
      'electron-builder',
      'electron-vite',
      'vite',
      'vitest',
      'react',
      'react-dom',
      'zustand',
      'typescript',
      'playwright-core',
      '@electron/asar',
      '@electron/fuses',
      '@doyensec/electronegativity',
      '@aizhao/shared',
      '@aizhao/server',
      'sequelize',
      'express',
      'sqlite3',
      'mysql2',
      'wechatpay-node-v3',
      'qcloud-cos-sts',
    ])
      expect(modules, dev).not.toContain(dev);
  });

  it('unpacks every native file (sharp’s addon and libvips) next to app.asar, where the OS can load it', () => {
    const native = files.filter((f) => /\.node$|\.so(\.\d+)*$|\.dylib$|\.dll$/.test(f));
    expect(native.length).toBeGreaterThanOrEqual(2); // sharp-<os>-<arch>.node and libvips-cpp
    for (const f of native) {
      expect(existsSync(join(unpacked, 'resources', 'app.asar.unpacked', f)), f).toBe(true);
      // listed in the archive as unpacked: the archive holds no bytes of it
      expect(statFile(asarPath, f.slice(1)), f).toMatchObject({ unpacked: true });
    }
  });

  it('carries no tests, sources, server code or secrets', () => {
    const own = files.filter((f) => !f.startsWith('/node_modules/'));
    expect(own.filter((f) => /\/(test|tests|__tests__|src|server|bench|scripts)\/|\.test\.|\.spec\.|\.env|\.map$/.test(f))).toEqual([]);
    for (const f of own.filter((x) => /\.(js|cjs|html|json)$/.test(x))) {
      const text = extractFile(asarPath, f.slice(1)).toString('latin1');
      expect(text, f).not.toMatch(/-----BEGIN (RSA |EC )?PRIVATE KEY-----|AKID[0-9A-Za-z]{20,}|JWT_SECRET|WECHAT_API_V3_KEY|sequelize/);
    }
  });

  it('is AI照 at the desktop package’s version, and reads updates from the configured feed', () => {
    const pkg = JSON.parse(extractFile(asarPath, 'package.json').toString('utf8')) as Record<string, unknown>;
    const source = JSON.parse(readFileSync(`${root}/desktop/package.json`, 'utf8')) as { version: string };
    expect(pkg).toMatchObject({ productName: 'AI照', version: source.version, main: './out/main/index.js' });
    expect(pkg).not.toHaveProperty('devDependencies');
    expect(pkg).not.toHaveProperty('scripts');
    const feed = readFileSync(join(unpacked, 'resources', 'app-update.yml'), 'utf8');
    expect(feed).toMatch(/provider: generic/);
    expect(feed).toMatch(/url: https:\/\/updates\.aizhao\.example\/desktop/);
    expect(existsSync(join(unpacked, 'resources', 'tray.png'))).toBe(true);
  });

  it('flipped the fuses as configured (read back with @electron/fuses)', async () => {
    const { getCurrentFuseWire, FuseV1Options } = await import('@electron/fuses');
    const { FuseState } = require('@electron/fuses/dist/constants.js') as { FuseState: { ENABLE: number; DISABLE: number } };
    const wire = await getCurrentFuseWire(join(unpacked, 'aizhao'));
    const state = (o: number) => (wire as unknown as Record<number, number>)[o];
    expect(state(FuseV1Options.RunAsNode)).toBe(FuseState.DISABLE);
    expect(state(FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe(FuseState.DISABLE);
    expect(state(FuseV1Options.EnableNodeCliInspectArguments)).toBe(FuseState.DISABLE);
    expect(state(FuseV1Options.EnableCookieEncryption)).toBe(FuseState.ENABLE);
    expect(state(FuseV1Options.EnableEmbeddedAsarIntegrityValidation)).toBe(FuseState.ENABLE);
    expect(state(FuseV1Options.OnlyLoadAppFromAsar)).toBe(FuseState.ENABLE);
    expect(state(FuseV1Options.GrantFileProtocolExtraPrivileges)).toBe(FuseState.DISABLE);
    // and one left alone keeps Electron's default
    expect(state(FuseV1Options.LoadBrowserProcessSpecificV8Snapshot)).toBe(FuseState.DISABLE);
  });
});
