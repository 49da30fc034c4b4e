/**
 * Runs the desktop's main-process services as plain Node modules against a real sandbox server: a conf-backed
 * store (electron-store is built on conf), an AES "OS keychain", and a platform that records what it was asked.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Conf from 'conf';
import sharp from 'sharp';
import { AppService, type AppServiceOptions } from '../../src/core/app-service.js';
import { PREVIEW_PIXELS } from '../../src/core/thumbnail.js';
import type { KeyValueStore, Platform, SecretBox } from '../../src/core/ports.js';
import type { AppState } from '../../src/shared/contract.js';
import { call, garmentJpeg, newPhone } from '../../../server/test/support/client.js';

/** the app's version, as Electron's app.getVersion() reads it from the package */
export const DESKTOP_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

/** A store file in `dir` (the same file again after a "restart"). */
export function confStore(dir: string): KeyValueStore & { path: string } {
  const conf = new Conf<Record<string, unknown>>({ cwd: dir, configName: 'aizhao', projectName: 'aizhao-test' });
  return {
    path: conf.path,
    get: (k) => conf.get(k),
    set: (k, v) => conf.set(k, v),
    delete: (k) => conf.delete(k),
  };
}

export interface TestSecretBox extends SecretBox {
  key: Buffer;
  /** how often each call was made */
  calls: { isSecure: number; encrypt: number; decrypt: number };
  /** decrypts synchronously (for the test's own checks of the store file) */
  open(cipher: Buffer): string;
}

/** safeStorage stand-in (its asynchronous API): AES-256-GCM under a key held by the "OS"; `secure: false` is Linux's basic_text. */
export function testSecretBox(secure = true, key = randomBytes(32)): TestSecretBox {
  const open = (cipher: Buffer) => {
    const d = createDecipheriv('aes-256-gcm', key, cipher.subarray(0, 12));
    d.setAuthTag(cipher.subarray(12, 28));
    return Buffer.concat([d.update(cipher.subarray(28)), d.final()]).toString('utf8');
  };
  const box: TestSecretBox = {
    key,
    calls: { isSecure: 0, encrypt: 0, decrypt: 0 },
    open,
    isSecure: async () => {
      box.calls.isSecure++;
      return secure;
    },
    async encrypt(plain) {
      box.calls.encrypt++;
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    async decrypt(cipher) {
      box.calls.decrypt++;
      return open(cipher);
    },
  };
  return box;
}

export interface RecordingPlatform extends Platform {
  notifications: { title: string; body: string }[];
  opened: string[];
  revealed: string[];
  /** what the next file / folder picker returns */
  nextPick: string[];
  nextFolder: string | null;
}

export function recordingPlatform(): RecordingPlatform {
  const p: RecordingPlatform = {
    notifications: [],
    opened: [],
    revealed: [],
    nextPick: [],
    nextFolder: null,
    pickImages: async () => p.nextPick,
    pickFolder: async () => p.nextFolder,
    openFolder: async (path) => void p.opened.push(path),
    revealFile: (path) => void p.revealed.push(path),
    notify: (title, body) => void p.notifications.push({ title, body }),
    thumbnail: async (path, size) => {
      try {
        // the review's larger sizes as the app makes them; list thumbnails small
        const px = size && size !== 'thumb' ? PREVIEW_PIXELS[size] : 96;
        const png = await sharp(path).resize(px, px, { fit: 'inside', withoutEnlargement: true }).png().toBuffer();
        return `data:image/png;base64,${png.toString('base64')}`;
      } catch {
        return null;
      }
    },
  };
  return p;
}

export interface Desktop {
  service: AppService;
  store: KeyValueStore & { path: string };
  secrets: TestSecretBox;
  platform: RecordingPlatform;
  /** the app's data folder (store) and the result root */
  dir: string;
  resultRoot: string;
}

/** Starts the main-process services like the app does at launch; pass `from` to "restart" on the same disk. */
export async function startDesktop(
  apiBaseUrl: string,
  o: { from?: Pick<Desktop, 'dir' | 'secrets' | 'resultRoot'>; secure?: boolean; service?: Partial<AppServiceOptions> } = {},
): Promise<Desktop> {
  const dir = o.from?.dir ?? mkdtempSync(join(tmpdir(), 'aizhao-desktop-'));
  const resultRoot = o.from?.resultRoot ?? join(dir, 'results');
  const store = confStore(dir);
  const secrets = o.from?.secrets ?? testSecretBox(o.secure ?? true);
  const platform = recordingPlatform();
  const service = new AppService({
    apiBaseUrl,
    store,
    secrets: secrets,
    platform,
    defaultResultRoot: resultRoot,
    dataDir: join(dir, 'data'),
    engine: { syncIntervalMs: 150, retryDelayMs: 50 },
    paymentPollMs: 100,
    connectRetryMs: 100,
    appVersion: DESKTOP_VERSION,
    ...o.service,
  });
  await service.init();
  return { service, store, secrets, platform, dir, resultRoot };
}

/** Logs in with the code the sandbox "sent". */
export async function loginWithSandboxCode(d: Desktop, base: string, phone = newPhone()): Promise<string> {
  const { sandboxCode } = await d.service.sendCode(phone);
  const outbox = await call(base, 'GET', `/sandbox/sms/outbox?phone=${phone}`);
  const code = outbox.body.messages[0].code as string;
  // sandbox mode: the app is handed the code the sandbox "sent", to show it to whoever tries the app
  if (sandboxCode !== code) throw new Error(`sendCode gave sandboxCode ${sandboxCode}, the outbox has ${code}`);
  await d.service.login(phone, code);
  return phone;
}

/** Waits until `check(state)` holds (state pushes and polling both count). */
export async function waitForState(service: AppService, check: (s: AppState) => boolean, timeoutMs = 20_000): Promise<AppState> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = service.getState();
    if (check(s)) return s;
    if (Date.now() > until)
      throw new Error(`state did not arrive in ${timeoutMs} ms: ${JSON.stringify({ payment: s.payment, membership: s.membership })}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Buys the membership the way the merchant does: QR dialog, then the sandbox payer. */
export async function buyInApp(d: Desktop): Promise<AppState> {
  await d.service.startPurchase();
  await waitForState(d.service, (s) => s.payment?.status === 'waiting');
  await d.service.simulatePayment();
  const s = await waitForState(d.service, (st) => st.payment?.status === 'paid');
  d.service.closePurchase();
  return s;
}

/**
 * Writes `n` garment photos into a fresh folder (with a nested sub-folder) and returns the folder. Every photo is a
 * new one — its own bytes (a unique EXIF description), as a camera's are — so that the app's duplicate detection
 * (same bytes: reused, not charged) does not take one test's photos for another's.
 */
export async function photoFolder(n: number, o: { colours?: string[]; sub?: boolean } = {}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'aizhao-photos-'));
  const colours = o.colours ?? ['#2b5fb4', '#b4322b', '#2b8a4f', '#7a3bb0'];
  const bodies = await Promise.all(colours.map((c) => garmentJpeg(900, 1100, c)));
  for (let i = 0; i < n; i++) {
    const folder = o.sub && i % 3 === 2 ? join(dir, '子文件夹') : dir;
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `款式${String(i + 1).padStart(2, '0')}.jpg`), await uniquePhoto(bodies[i % bodies.length]!));
  }
  return dir;
}

/** The same picture with bytes of its own: a unique EXIF ImageDescription, pixels untouched. */
export function uniquePhoto(jpeg: Buffer): Promise<Buffer> {
  return sharp(jpeg)
    .withExif({ IFD0: { ImageDescription: randomUUID() } })
    .jpeg({ quality: 90 })
    .toBuffer();
}
