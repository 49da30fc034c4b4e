/**
 * Two small security rules of the Electron glue, kept here so that they are tested as plain functions:
 * which frames may call the IPC API, and which links may leave the app for the system browser.
 */

/** Only our own renderer page may call the API: same origin for http(s), same file for file://. */
export function isTrustedSender(frameUrl: string | undefined, rendererUrl: string): boolean {
  if (!frameUrl) return false;
  let frame: URL, own: URL;
  try {
    frame = new URL(frameUrl);
    own = new URL(rendererUrl);
  } catch {
    return false;
  }
  if (own.protocol === 'file:') return frame.protocol === 'file:' && frame.pathname === own.pathname;
  return frame.origin === own.origin;
}

/** Sites a link may open in the system browser (help and WeChat Pay pages); everything else stays closed. */
export const EXTERNAL_ALLOW_LIST = ['https://pay.weixin.qq.com', 'https://kf.qq.com'] as const;

export function isAllowedExternal(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && (EXTERNAL_ALLOW_LIST as readonly string[]).includes(u.origin);
  } catch {
    return false;
  }
}
