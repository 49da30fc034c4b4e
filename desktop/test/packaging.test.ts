/**
 * Packaging cannot run here (it needs the Electron binary), so the config is checked the way electron-builder itself
 * checks it, and against what the build produces.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
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
    });
    await expect(validateConfiguration({ ...config, nsis: { oneClik: false } }, new DebugLogger(false))).rejects.toThrow(/configuration/);
  });

  it('packs the built app: main entry, preload and renderer exist, and the icon is 512×512', async () => {
    const pkg = JSON.parse(readFileSync(`${root}/desktop/package.json`, 'utf8')) as { main: string };
    for (const f of [pkg.main, 'out/preload/index.cjs', 'out/renderer/index.html'])
      expect(existsSync(`${root}/desktop/${f}`), f).toBe(true);
    const icon = await sharp(`${root}/build/icon.png`).metadata();
    expect([icon.width, icon.height]).toEqual([512, 512]);
  });
});
