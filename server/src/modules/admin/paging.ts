/**
 * Keyset paging of the admin lists: newest first by (createdAt, id), the cursor is the last row's pair. Date filters
 * take a business date (BUSINESS_TIMEZONE; `to` includes that whole day) or an ISO instant.
 */
import { Op } from 'sequelize';
import { AppError } from '../../lib/errors.js';
import { startOfBusinessDate } from '../../lib/time.js';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const badCursor = () => new AppError('INVALID_INPUT', '分页参数无效', [{ path: 'cursor', message: 'invalid cursor' }]);

export const encodeCursor = (at: Date, id: string): string => Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');

export function decodeCursor(cursor: string): { at: Date; id: string } {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(decoded) || typeof decoded[0] !== 'string' || typeof decoded[1] !== 'string') throw badCursor();
  const at = new Date(decoded[0]);
  if (Number.isNaN(at.getTime()) || !/^[0-9A-Za-z_-]{1,32}$/.test(decoded[1])) throw badCursor();
  return { at, id: decoded[1] };
}

/**
 * Where-conditions for "after the cursor" in (createdAt DESC, id DESC) order, written so that an index on
 * (…, createdAt) serves it as a range: createdAt ≤ at AND (createdAt < at OR id < id).
 */
export function afterCursor(cursor: string | undefined): object[] {
  if (!cursor) return [];
  const c = decodeCursor(cursor);
  return [{ createdAt: { [Op.lte]: c.at } }, { [Op.or]: [{ createdAt: { [Op.lt]: c.at } }, { id: { [Op.lt]: c.id } }] }];
}

/** createdAt within [from, to] as the admin gave them. */
export function dateRange(from: string | undefined, to: string | undefined, timeZone: string): object[] {
  const out: object[] = [];
  if (from) out.push({ createdAt: { [Op.gte]: parseDate(from, timeZone, false) } });
  if (to) out.push({ createdAt: { [Op.lt]: parseDate(to, timeZone, true) } });
  return out;
}

function parseDate(value: string, timeZone: string, end: boolean): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, d] = value.split('-').map(Number) as [number, number, number];
    const day = new Date(Date.UTC(y, m - 1, d));
    if (day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) {
      throw new AppError('INVALID_INPUT', '日期无效', [{ path: end ? 'to' : 'from', message: 'invalid date' }]);
    }
    if (end) day.setUTCDate(d + 1); // `to` includes its whole day
    return startOfBusinessDate(day.toISOString().slice(0, 10), timeZone);
  }
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new AppError('INVALID_INPUT', '日期无效');
  return end ? new Date(d.getTime() + 1) : d;
}

/** Fetches limit+1 rows and cuts the page. */
export function cutPage<R extends { createdAt: Date; id: string }, T>(rows: R[], limit: number, view: (rows: R[]) => T[]): Page<T> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: view(page), nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null };
}
