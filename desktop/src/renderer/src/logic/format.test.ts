import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCountdown,
  formatDateTime,
  formatMoney,
  labelOf,
  maskPhone,
  resultCountLabel,
  retentionNote,
  secondsUntil,
} from './format';

describe('formatDateTime', () => {
  it('shows local time as YYYY-MM-DD HH:mm with zero padding', () => {
    expect(formatDateTime(new Date(2026, 2, 8, 9, 5, 59).toISOString())).toBe('2026-03-08 09:05');
    expect(formatDateTime(new Date(2026, 11, 31, 23, 59).toISOString())).toBe('2026-12-31 23:59');
  });

  it('shows a dash for no date or an invalid one', () => {
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime(undefined)).toBe('—');
    expect(formatDateTime('not a date')).toBe('—');
  });
});

describe('formatMoney', () => {
  it('turns fen into yuan with two decimals', () => {
    expect(formatMoney(9900)).toBe('¥99.00');
    expect(formatMoney(1)).toBe('¥0.01');
    expect(formatMoney(123456)).toBe('¥1234.56');
    expect(formatMoney(0)).toBe('¥0.00');
    expect(formatMoney(-250)).toBe('-¥2.50');
  });
});

describe('formatBytes', () => {
  it('picks the unit that keeps the number readable', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1024)).toBe('1 KB');
    expect(formatBytes(34_000)).toBe('33 KB');
    expect(formatBytes(1.2 * 1024 * 1024)).toBe('1.2 MB');
    expect(formatBytes(20 * 1024 * 1024)).toBe('20.0 MB');
    expect(formatBytes(2.5 * 1024 ** 3)).toBe('2.5 GB');
  });
});

describe('maskPhone', () => {
  it('hides the middle four digits of a mobile number', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
  });

  it('leaves anything else alone', () => {
    expect(maskPhone('12345')).toBe('12345');
  });
});

describe('countdown', () => {
  const now = Date.parse('2026-03-08T10:00:00Z');

  it('formats the time left as mm:ss, rounding partial seconds up', () => {
    expect(formatCountdown('2026-03-08T10:05:00Z', now)).toBe('05:00');
    expect(formatCountdown('2026-03-08T10:01:01.200Z', now)).toBe('01:02');
    expect(formatCountdown('2026-03-08T10:00:09Z', now)).toBe('00:09');
    expect(formatCountdown('2026-03-08T12:00:00Z', now)).toBe('120:00');
  });

  it('stops at 00:00 once past, and for no expiry', () => {
    expect(formatCountdown('2026-03-08T09:59:00Z', now)).toBe('00:00');
    expect(formatCountdown(null, now)).toBe('00:00');
    expect(secondsUntil('garbage', now)).toBe(0);
  });
});

describe('labelOf', () => {
  const list = [{ id: 'street', label: '街拍' }] as const;

  it('finds the label, falls back to the id, and shows a dash for none', () => {
    expect(labelOf(list, 'street')).toBe('街拍');
    expect(labelOf<string>(list, 'moon')).toBe('moon');
    expect(labelOf(list, null)).toBe('—');
  });
});

describe('result retention', () => {
  it('labels the result count, or that the server no longer keeps the results', () => {
    expect(resultCountLabel({ resultCount: 12, resultsExpired: false })).toBe('12 张');
    expect(resultCountLabel({ resultCount: 0, resultsExpired: false })).toBe('—');
    expect(resultCountLabel({ resultCount: 0, resultsExpired: true })).toBe('已过期');
  });

  it('says how long results stay, and what an expired one means for the local files', () => {
    expect(retentionNote({ resultsExpired: false, files: [] }, 30)).toBe('结果在服务器上保留 30 天（从完成时算起），请及时下载保存');
    expect(retentionNote({ resultsExpired: false, files: [] }, null)).toBe('结果在服务器上保留有限时间（从完成时算起），请及时下载保存');
    expect(retentionNote({ resultsExpired: true, files: [] }, 7)).toBe('服务器上的结果已超过保留期（7 天）并已删除，无法重新下载');
    expect(retentionNote({ resultsExpired: true, files: ['/r/a.jpg'] }, 7)).toMatch(/；本机已保存的文件不受影响$/);
  });
});
