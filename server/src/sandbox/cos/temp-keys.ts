/** Temporary upload keys issued by the sandbox "STS", persisted so they survive a restart until they expire. */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { UploadPolicy } from '../../vendors/cos/upload-policy.js';
import type { TemporaryCredentials } from '../../vendors/types.js';
import { JsonStore } from '../json-store.js';

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

export class TempKeyStore {
  private readonly store: JsonStore<Record<string, TempKey>>;
  constructor(
    root: string,
    private readonly now: () => number,
  ) {
    this.store = new JsonStore(join(root, 'temp-keys.json'), () => ({}));
  }

  issue(o: { policy: UploadPolicy; durationSeconds: number }): TemporaryCredentials {
    if (!o.policy.statement.length) throw new Error('a temporary key needs a policy with at least one statement');
    if (!Number.isInteger(o.durationSeconds) || o.durationSeconds < 1 || o.durationSeconds > MAX_TEMP_KEY_SECONDS) {
      throw new Error(`durationSeconds must be 1..${MAX_TEMP_KEY_SECONDS}`);
    }
    const startTime = Math.floor(this.now() / 1000);
    const key: TempKey = {
      tmpSecretKey: randomBytes(24).toString('base64url'),
      sessionToken: randomBytes(48).toString('base64url'),
      policy: o.policy,
      startTime,
      expiredTime: startTime + o.durationSeconds,
    };
    const tmpSecretId = `AKIDTMP${randomBytes(15).toString('hex')}`;
    this.store.update((keys) => {
      for (const [id, k] of Object.entries(keys)) if (k.expiredTime < startTime) delete keys[id];
      keys[tmpSecretId] = key;
    });
    return {
      credentials: { tmpSecretId, tmpSecretKey: key.tmpSecretKey, sessionToken: key.sessionToken },
      startTime,
      expiredTime: key.expiredTime,
    };
  }

  find(tmpSecretId: string): TempKey | null {
    const key = Object.hasOwn(this.store.value, tmpSecretId) ? this.store.value[tmpSecretId] : undefined;
    return key?.policy ? key : null; // (keys kept from before policies were stored are no longer honoured)
  }
}
