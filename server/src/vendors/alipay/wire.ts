/**
 * Alipay wire formats: amounts in yuan with at most two decimals (`Price`, "单位为元，精确到小数点后两位", e.g.
 * alipay.trade.precreate total_amount), times `yyyy-MM-dd HH:mm:ss` in China Standard Time (公共参数 timestamp,
 * notification gmt_payment).
 */
const CST_OFFSET_MS = 8 * 3600_000;
const PRICE = /^(0|[1-9]\d{0,8})(\.\d{1,2})?$/;
const TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

export const fenToYuan = (fen: number): string => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

/** Fen of a yuan string, or null when it is not one (no floating point: "99.9" → 9990). */
export function yuanToFen(text: unknown): number | null {
  if (typeof text !== 'string' || !PRICE.test(text)) return null;
  const [whole, frac = ''] = text.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

export const toAlipayTime = (time: Date | number): string =>
  new Date((typeof time === 'number' ? time : time.getTime()) + CST_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');

/** Epoch ms of an Alipay time, or null when it is not one. */
export function parseAlipayTime(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = TIME.exec(text);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * The string Alipay signs: parameters sorted by name, `k=v` joined by `&`, empty values left out; without `sign`
 * (requests, opendocs.alipay.com/common/02kf5q 自行实现签名), and for asynchronous notifications without `sign_type`
 * too (opendocs.alipay.com/open/194/103296 验签: "除去 sign、sign_type 两个参数").
 */
export function signContent(params: Record<string, string>, omit: readonly string[]): string {
  return Object.keys(params)
    .filter((k) => !omit.includes(k) && params[k] !== '' && params[k] !== undefined)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}
