/** Version order of the desktop app (`1.2.10` > `1.2.9`; a pre-release such as `1.3.0-beta.1` comes before `1.3.0`). */
export function versionBelow(a: string, b: string): boolean {
  const parse = (v: string) => {
    const [core = '', pre] = v.trim().replace(/^v/, '').split('-', 2);
    return { nums: core.split('.').map((n) => Number.parseInt(n, 10) || 0), pre: pre ?? null };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.nums.length, y.nums.length); i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d !== 0) return d < 0;
  }
  if (x.pre !== null && y.pre === null) return true;
  if (x.pre === null || y.pre === null) return false;
  return x.pre < y.pre;
}

/** What the desktop sends in `X-Client-Version`. */
export const CLIENT_VERSION_HEADER = 'x-client-version';
