/**
 * Small security rules of the Electron glue, kept here so that they are tested as plain functions: which frames may
 * call the IPC API, which links may leave the app for the system browser, and which files the renderer's scheme
 * serves.
 */
import path from 'node:path';

/**
 * The renderer is served from a privileged custom scheme (`app://aizhao/…`, see `main/window.ts`), never from
 * `file://`: a file URL depends on the install path (a `#` in it cuts the URL; Chromium upper-cases a Windows drive
 * letter, so a path comparison fails) and file pages get extra privileges.
 */
export const RENDERER_SCHEME = 'app';
export const RENDERER_HOST = 'aizhao';
export const RENDERER_URL = `${RENDERER_SCHEME}://${RENDERER_HOST}/index.html`;

/** Only our own renderer may call the API: same scheme, host and port as the renderer URL (`file:` never). */
export function isTrustedSender(frameUrl: string | undefined, rendererUrl: string): boolean {
  if (!frameUrl) return false;
  let frame: URL, own: URL;
  try {
    frame = new URL(frameUrl);
    own = new URL(rendererUrl);
  } catch {
    return false;
  }
  // Node's URL gives custom schemes the origin "null": compare the parts instead
  if (own.protocol === 'file:' || frame.protocol === 'file:') return false;
  return frame.protocol === own.protocol && frame.host === own.host && frame.host !== '';
}

/**
 * The file under `root` that a renderer-scheme URL stands for (`/` is index.html), or null for another host, a
 * path that leaves `root` (`..`, encoded or not) or a malformed URL.
 */
export function rendererFile(url: string, root: string, paths: path.PlatformPath = path): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${RENDERER_SCHEME}:` || u.host !== RENDERER_HOST) return null;
  let name: string;
  try {
    name = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (name.includes('\0')) return null;
  const file = paths.resolve(paths.join(root, name === '/' ? 'index.html' : name));
  const rel = paths.relative(paths.resolve(root), file);
  if (rel === '' || rel.startsWith('..') || paths.isAbsolute(rel)) return null;
  return file;
}

/** Sites a link may open in the system browser (help and WeChat Pay pages); everything else stays closed. */
export const EXTERNAL_ALLOW_LIST = ['https://pay.weixin.qq.com', 'https://kf.qq.com'] as const;

/** `extra`: origins the operator configured (the help link from `/client-config`). */
export function isAllowedExternal(url: string, extra: readonly string[] = []): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && ([...EXTERNAL_ALLOW_LIST, ...extra] as readonly string[]).includes(u.origin);
  } catch {
    return false;
  }
}
