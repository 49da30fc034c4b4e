/**
 * Keeps the login token. The token is written only encrypted by the OS (safeStorage); where the OS has no safe
 * storage it stays in memory and is gone when the app quits. It never goes to the renderer.
 *
 * The OS secret store is asked once, at `load()`, whether it protects anything (Electron's asynchronous safeStorage
 * API: it may prompt for or wait on the keychain, so it is never on the path of a state push).
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
  private secure: boolean | null = null;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly store: KeyValueStore,
    private readonly secrets: SecretBox,
  ) {}

  /** Asks the OS once whether it has safe storage, and restores a saved token. */
  load(): Promise<void> {
    this.loading ??= (async () => {
      this.secure = await this.secrets.isSecure().catch(() => false);
      const saved = this.store.get(KEY) as Persisted | undefined;
      if (!saved || !this.secure) return;
      try {
        this.token = await this.secrets.decrypt(Buffer.from(saved.token, 'base64'));
        this.userId = saved.userId;
      } catch {
        this.store.delete(KEY); // written under another OS account or key: log in again
      }
    })();
    return this.loading;
  }

  /** whether a login survives a restart on this machine (false until `load()` has asked the OS) */
  get persisted(): boolean {
    return this.secure === true;
  }

  get current(): { token: string; userId: string } | null {
    return this.token && this.userId ? { token: this.token, userId: this.userId } : null;
  }

  async save(token: string, userId: string): Promise<void> {
    await this.load();
    this.token = token;
    this.userId = userId;
    if (!this.persisted) return;
    const cipher = await this.secrets.encrypt(token);
    // logged out (or in as someone else) while the OS encrypted: do not write a session that is over
    if (this.token === token) this.store.set(KEY, { token: cipher.toString('base64'), userId } satisfies Persisted);
  }

  clear(): void {
    this.token = null;
    this.userId = null;
    this.store.delete(KEY);
  }
}
