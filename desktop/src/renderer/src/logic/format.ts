/** Display formats: dates, money, sizes, counts, countdowns. Pure functions, local time. */

const pad2 = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:mm` in local time; '—' when there is no (valid) date. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** Fen → `¥99.00`. */
export function formatMoney(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  return `${sign}¥${(Math.abs(fen) / 100).toFixed(2)}`;
}

const UNITS = ['KB', 'MB', 'GB'] as const;

/** Bytes → `512 B`, `34 KB`, `1.2 MB`, `2.5 GB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.max(0, Math.round(bytes))} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} ${UNITS[0]}` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** `13812345678` → `138****5678`; anything else is shown as is. */
export function maskPhone(phone: string): string {
  return /^\d{11}$/.test(phone) ? `${phone.slice(0, 3)}****${phone.slice(7)}` : phone;
}

/** Whole seconds from now until `expiresAt`, never negative (0 when unknown). */
export function secondsUntil(expiresAt: string | null, nowMs: number): number {
  if (!expiresAt) return 0;
  const at = new Date(expiresAt).getTime();
  if (Number.isNaN(at)) return 0;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/** `mm:ss` left until `expiresAt` (`00:00` once past). */
export function formatCountdown(expiresAt: string | null, nowMs: number): string {
  const s = secondsUntil(expiresAt, nowMs);
  return `${pad2(Math.floor(s / 60))}:${pad2(s % 60)}`;
}

/** The label of an id in one of the server's option lists, the id itself when unknown. */
export function labelOf<T extends string>(list: readonly { id: T; label: string }[] | undefined, id: T | undefined | null): string {
  if (!id) return '—';
  return list?.find((o) => o.id === id)?.label ?? id;
}

/** The 结果 column of a history row: how many results the server keeps for it. */
export function resultCountLabel(row: { resultCount: number; resultsExpired: boolean }): string {
  if (row.resultsExpired) return '已过期';
  return row.resultCount > 0 ? `${row.resultCount} 张` : '—';
}

/** The note under a finished task: how long the server keeps its results, or that it no longer does. */
export function retentionNote(row: { resultsExpired: boolean; files: string[] }, retentionDays: number | null): string {
  const period = retentionDays ? `${retentionDays} 天` : '有限时间';
  if (row.resultsExpired) {
    return `服务器上的结果已超过保留期（${period}）并已删除，无法重新下载${row.files.length > 0 ? '；本机已保存的文件不受影响' : ''}`;
  }
  return `结果在服务器上保留${retentionDays ? ` ${period}` : period}（从完成时算起），请及时下载保存`;
}
