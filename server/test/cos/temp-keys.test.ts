/**
 * The sandbox STS's key storage: incremental (an issue appends one line, it never rewrites the file), crash-safe (a
 * restart keeps every issued key, a line torn by a crash loses nothing else), and expired keys are pruned.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TempKeyStore } from '../../src/sandbox/cos/temp-keys.js';
import { buildUploadPolicy } from '../../src/vendors/cos/upload-policy.js';

const policyFor = (userId: string) =>
  buildUploadPolicy({
    region: 'ap-guangzhou',
    appId: '1250000000',
    bucket: 'b-1250000000',
    allowPrefix: `input/${userId}/`,
    maxBytes: 1000,
  });

describe('TempKeyStore', () => {
  let dir: string;
  const clock = { ms: Date.UTC(2026, 11, 1, 12) };
  const open = () => new TempKeyStore(dir, () => clock.ms);
  const file = () => join(dir, 'temp-keys.jsonl');
  const lines = () => readFileSync(file(), 'utf8').split('\n').filter(Boolean);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aizhao-keys-'));
    clock.ms = Date.UTC(2026, 11, 1, 12);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('each issue appends one line; the bytes already written stay as they were', () => {
    const store = open();
    store.issue({ policy: policyFor('u1'), durationSeconds: 1800 });
    const before = readFileSync(file());
    const { ino } = statSync(file());
    for (let i = 0; i < 50; i++) store.issue({ policy: policyFor(`u${i % 3}`), durationSeconds: 1800 });
    const after = readFileSync(file());
    expect(after.subarray(0, before.length).equals(before)).toBe(true);
    expect(statSync(file()).ino).toBe(ino); // the same file, not a rewritten copy
    expect(lines()).toHaveLength(51);
  });

  it('a restart keeps every issued key with its policy and expiry', () => {
    const store = open();
    const issued = [1, 2, 3].map((i) => store.issue({ policy: policyFor(`u${i}`), durationSeconds: 600 * i }));
    const again = open();
    issued.forEach((c, i) => {
      const k = again.find(c.credentials.tmpSecretId);
      expect(k).toMatchObject({
        tmpSecretKey: c.credentials.tmpSecretKey,
        sessionToken: c.credentials.sessionToken,
        expiredTime: c.expiredTime,
      });
      expect(k?.policy).toEqual(policyFor(`u${i + 1}`));
    });
  });

  it('a line torn by a crash mid-append is skipped; the keys before it and those issued after the restart survive', () => {
    const store = open();
    const a = store.issue({ policy: policyFor('u1'), durationSeconds: 1800 });
    appendFileSync(file(), '{"id":"AKIDTMPtorn","tmpSecretKey":"x","sess'); // the crash
    const restarted = open();
    expect(restarted.find(a.credentials.tmpSecretId)?.tmpSecretKey).toBe(a.credentials.tmpSecretKey);
    expect(restarted.find('AKIDTMPtorn')).toBeNull();
    const b = restarted.issue({ policy: policyFor('u2'), durationSeconds: 1800 });
    const third = open();
    expect(third.find(a.credentials.tmpSecretId)).not.toBeNull();
    expect(third.find(b.credentials.tmpSecretId)?.sessionToken).toBe(b.credentials.sessionToken);
  });

  it('expired keys are pruned at a restart (gone from the file too) and from a running store', () => {
    const store = open();
    const short = store.issue({ policy: policyFor('u1'), durationSeconds: 60 });
    const long = store.issue({ policy: policyFor('u1'), durationSeconds: 7200 });
    clock.ms += 61_000;
    const restarted = open();
    expect(restarted.find(short.credentials.tmpSecretId)).toBeNull();
    expect(restarted.find(long.credentials.tmpSecretId)).not.toBeNull();
    expect(lines().map((l) => JSON.parse(l).id)).toEqual([long.credentials.tmpSecretId]);

    const running = open();
    const soon = running.issue({ policy: policyFor('u2'), durationSeconds: 30 });
    clock.ms += 120_000;
    running.issue({ policy: policyFor('u2'), durationSeconds: 30 });
    expect(running.find(soon.credentials.tmpSecretId)).toBeNull();
  });

  it('a running store compacts its log once it holds mostly expired keys', () => {
    const store = open();
    for (let i = 0; i < 1500; i++) store.issue({ policy: policyFor('u1'), durationSeconds: 60 });
    clock.ms += 120_000;
    const live = store.issue({ policy: policyFor('u1'), durationSeconds: 600 });
    expect(lines().map((l) => JSON.parse(l).id)).toEqual([live.credentials.tmpSecretId]);
  });

  it('takes over the keys of the former whole-file store', () => {
    const policy = policyFor('u9');
    const startTime = Math.floor(clock.ms / 1000);
    writeFileSync(
      join(dir, 'temp-keys.json'),
      JSON.stringify({ AKIDTMPold: { tmpSecretKey: 'k', sessionToken: 't', policy, startTime, expiredTime: startTime + 600 } }),
    );
    expect(open().find('AKIDTMPold')?.policy).toEqual(policy);
    expect(open().find('AKIDTMPold')?.sessionToken).toBe('t');
  });
});
