/**
 * Temporary upload keys issued by the sandbox "STS", persisted so they survive a restart until they expire.
 *
 * Incremental and crash-safe: every issue appends one JSON line to `temp-keys.jsonl` through a descriptor kept open
 * (one write per issue; the whole file is never rewritten per issue). At start the log is read — a line torn by a crash is skipped — and written again without
 * the expired keys (write-then-rename, so a crash there leaves the old log); while running, expired keys are dropped
 * from memory once a minute and the log is compacted the same way when it holds more dead lines than live ones.
 * Keys of the former whole-file store (`temp-keys.json`) are taken over at start.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { UploadPolicy } from '../../vendors/cos/upload-policy.js';
import type { TemporaryCredentials } from '../../vendors/types.js';

export interface TempKey {
  tmpSecretKey: string;
  sessionToken: string;
  /** the CAM policy the key was issued with (what it may do, where, under which conditions) */
  policy: UploadPolicy;
  /** Unix seconds */
  startTime: number;
  expiredTime: number;
}

/** Tencent's STS caps federation tokens at 2 hours. */
export const MAX_TEMP_KEY_SECONDS = 7200;
/** How often expired keys are dropped from memory, seconds. */
const PRUNE_EVERY_SECONDS = 60;
/** The log is compacted when it has more than this many lines and more dead lines than live keys. */
const COMPACT_MIN_LINES = 1000;

interface LogLine extends TempKey {
  id: string;
}

export class TempKeyStore {
  private readonly file: string;
  private readonly keys = new Map<string, TempKey>();
  /** the same policy object for every key issued with an equal policy (a merchant's keys all share one) */
  private readonly policies = new Map<string, UploadPolicy>();
  private lines = 0;
  private nextPrune = 0;
  /** the log, open for appending (opened at the first issue after a compaction) */
  private fd: number | null = null;

  constructor(
    root: string,
    private readonly now: () => number,
  ) {
    mkdirSync(root, { recursive: true });
    this.file = join(root, 'temp-keys.jsonl');
    const nowSec = this.nowSeconds();
    const legacy = join(root, 'temp-keys.json');
    if (existsSync(legacy)) {
      const old = JSON.parse(readFileSync(legacy, 'utf8')) as Record<string, TempKey>;
      for (const [id, k] of Object.entries(old)) if (k?.policy) this.remember(id, k, nowSec);
    }
    if (existsSync(this.file)) {
      for (const line of readFileSync(this.file, 'utf8').split('\n')) {
        if (!line) continue;
        let entry: LogLine;
        try {
          entry = JSON.parse(line) as LogLine;
        } catch {
          continue; // torn by a crash mid-append
        }
        if (entry?.id && entry.policy) this.remember(entry.id, entry, nowSec);
      }
    }
    this.compact();
    if (existsSync(legacy)) rmSync(legacy, { force: true });
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  private intern(policy: UploadPolicy, json = JSON.stringify(policy)): UploadPolicy {
    const known = this.policies.get(json);
    if (known) return known;
    this.policies.set(json, policy);
    return policy;
  }

  private remember(id: string, k: TempKey, nowSec: number): void {
    if (k.expiredTime < nowSec) return;
    const { tmpSecretKey, sessionToken, policy, startTime, expiredTime } = k;
    this.keys.set(id, { tmpSecretKey, sessionToken, policy: this.intern(policy), startTime, expiredTime });
  }

  private lineOf(id: string, k: TempKey): string {
    return `${JSON.stringify({ id, ...k })}\n`;
  }

  /** Writes the live keys to a new log and puts it in place of the old one. */
  private compact(): void {
    this.close();
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      let chunk = '';
      for (const [id, k] of this.keys) {
        chunk += this.lineOf(id, k);
        if (chunk.length > 1 << 16) {
          writeSync(fd, chunk);
          chunk = '';
        }
      }
      if (chunk) writeSync(fd, chunk);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    this.lines = this.keys.size;
  }

  private prune(nowSec: number): void {
    if (nowSec < this.nextPrune) return;
    this.nextPrune = nowSec + PRUNE_EVERY_SECONDS;
    for (const [id, k] of this.keys) if (k.expiredTime < nowSec) this.keys.delete(id);
    const live = new Set([...this.keys.values()].map((k) => k.policy));
    for (const [json, p] of this.policies) if (!live.has(p)) this.policies.delete(json);
    if (this.lines > COMPACT_MIN_LINES && this.lines - this.keys.size > this.keys.size) this.compact();
  }

  issue(o: { policy: UploadPolicy; durationSeconds: number }): TemporaryCredentials {
    if (!o.policy.statement.length) throw new Error('a temporary key needs a policy with at least one statement');
    if (!Number.isInteger(o.durationSeconds) || o.durationSeconds < 1 || o.durationSeconds > MAX_TEMP_KEY_SECONDS) {
      throw new Error(`durationSeconds must be 1..${MAX_TEMP_KEY_SECONDS}`);
    }
    const startTime = this.nowSeconds();
    this.prune(startTime);
    const random = randomBytes(15 + 24 + 48);
    const tmpSecretId = `AKIDTMP${random.subarray(0, 15).toString('hex')}`;
    const policyJson = JSON.stringify(o.policy);
    const key: TempKey = {
      tmpSecretKey: random.subarray(15, 39).toString('base64url'),
      sessionToken: random.subarray(39).toString('base64url'),
      policy: this.intern(o.policy, policyJson),
      startTime,
      expiredTime: startTime + o.durationSeconds,
    };
    // persisted before it is handed out: a key the caller got is never lost by a crash after this line
    this.fd ??= openSync(this.file, 'a');
    writeSync(this.fd, this.lineOf(tmpSecretId, key));
    this.lines++;
    this.keys.set(tmpSecretId, key);
    return {
      credentials: { tmpSecretId, tmpSecretKey: key.tmpSecretKey, sessionToken: key.sessionToken },
      startTime,
      expiredTime: key.expiredTime,
    };
  }

  find(tmpSecretId: string): TempKey | null {
    return this.keys.get(tmpSecretId) ?? null;
  }

  /** Closes the log (the next issue opens it again). */
  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}
