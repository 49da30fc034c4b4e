/**
 * verifyToken remembers a verified token until its expiry: the answer must stay what jose's verification gives —
 * refused once expired (the remembered answer included), refused under another secret, and a tampered token never
 * rides on the remembered one.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { issueToken, verifyToken } from '../../src/modules/auth/tokens.js';

const SECRET = 'a'.repeat(40);
const OTHER = 'b'.repeat(40);

describe('merchant token verification', () => {
  afterEach(() => vi.useRealTimers());

  it('answers a verified token again until it expires, then refuses it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2026, 11, 1, 12, 0, 0));
    const { token, expiresAt } = await issueToken(SECRET, 'user-1', '60s', new Date());
    expect(await verifyToken(SECRET, token)).toBe('user-1');
    expect(await verifyToken(SECRET, token)).toBe('user-1');
    vi.setSystemTime(expiresAt.getTime() - 1);
    expect(await verifyToken(SECRET, token)).toBe('user-1');
    vi.setSystemTime(expiresAt.getTime());
    await expect(verifyToken(SECRET, token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses a remembered token under another secret, and a token with another signature', async () => {
    const { token } = await issueToken(SECRET, 'user-2', '1h');
    expect(await verifyToken(SECRET, token)).toBe('user-2');
    await expect(verifyToken(OTHER, token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const [h, p, sig] = token.split('.') as [string, string, string];
    const forged = `${h}.${p}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    await expect(verifyToken(SECRET, forged)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await verifyToken(SECRET, token)).toBe('user-2');
  });
});
