/**
 * Keeps the login token. The token is written only encrypted by the OS (safeStorage); where the OS has no safe
 * storage it stays in memory and is gone when the app quits. It never goes to the renderer.
 */
import type { KeyValueStore, SecretBox } from './ports.js';

const KEY = 'session';

interface Persisted {
  token: string; // base64 of the encrypted token
  userId: string;
}

export class SessionStore {
  private token: string | null = null;
  private userId: string | null = null;

  constructor(
    private readonly store: KeyValueStore,
    private readonly secrets: SecretBox,
  ) {
    const saved = store.get(KEY) as Persisted | undefined;
    if (saved && this.persisted) {
      try {
        this.token = secrets.decrypt(Buffer.from(saved.token, 'base64'));
        this.userId = saved.userId;
      } catch {
        store.delete(KEY); // written under another OS account or key: log in again
      }
    }
  }

  /** whether a login survives a restart on this machine */
  get persisted(): boolean {
    return this.secrets.isSecure();
  }

  get current(): { token: string; userId: string } | null {
    return this.token && this.userId ? { token: this.token, userId: this.userId } : null;
  }

  save(token: string, userId: string): void {
    this.token = token;
    this.userId = userId;
    if (this.persisted) this.store.set(KEY, { token: this.secrets.encrypt(token).toString('base64'), userId } satisfies Persisted);
  }

  clear(): void {
    this.token = null;
    this.userId = null;
    this.store.delete(KEY);
  }
}
