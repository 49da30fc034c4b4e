/** WeChat Pay times: RFC 3339 in China Standard Time, e.g. `2025-06-08T10:34:56+08:00` (§2.4). */
const CST_OFFSET_MS = 8 * 3600_000;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function toWechatTime(time: Date | number): string {
  const ms = typeof time === 'number' ? time : time.getTime();
  return `${new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/** Epoch milliseconds of an RFC 3339 time with an explicit offset, or null when it is not one. */
export function parseWechatTime(text: string): number | null {
  if (!RFC3339.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}
