/**
 * TRUST_PROXY takes what Express's `trust proxy` takes, so that exactly the local nginx can be trusted
 * (`loopback`): booleans, a hop count, or addresses/CIDRs/names; anything else stops the server with a message.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const DATA_DIR = mkdtempSync(join(tmpdir(), 'aizhao-trust-'));
const trust = (TRUST_PROXY?: string) => loadConfig({ DATA_DIR, ...(TRUST_PROXY === undefined ? {} : { TRUST_PROXY }) }).trustProxy;

describe('TRUST_PROXY', () => {
  it('is off by default and reads booleans, hop counts and address lists', () => {
    expect(trust()).toBe(false);
    expect(trust('false')).toBe(false);
    expect(trust('true')).toBe(true);
    expect(trust('1')).toBe(true);
    expect(trust('2')).toBe(2);
    expect(trust('loopback')).toBe('loopback');
    expect(trust('loopback, 10.0.0.0/8, fd00::1')).toBe('loopback, 10.0.0.0/8, fd00::1');
  });

  it('refuses what Express could not read, naming the variable', () => {
    for (const bad of ['nginx', '10.0.0.0/8/1', '300.1.1.1', 'loopback;']) {
      expect(() => trust(bad)).toThrow(ConfigError);
      expect(() => trust(bad)).toThrow(/TRUST_PROXY: must be true, false, a hop count/);
    }
  });
});
