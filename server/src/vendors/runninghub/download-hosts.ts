/**
 * The hosts RunningHub's output files may be downloaded from (an SSRF guard: `fileUrl`s come from the vendor's
 * answer, and only these hosts are fetched). RunningHub serves outputs from rh-images.xiaoyaoyou.com in the
 * examples of its legacy outputs API, and from its own COS buckets: the example result of "查询任务生成结果 V2"
 * (https://www.runninghub.cn/runninghub-api-doc-cn/api-425767306) is on
 * `rh-images-1252422369.cos.ap-beijing.myqcloud.com`, and public integrations meet other regions too
 * (`rh-hk-images-1252422369.cos.ap-hongkong.myqcloud.com`): `<name>-1252422369.cos.<region>.myqcloud.com`.
 *
 * A pattern is `hostname` or `hostname:port`; a leading `*.` stands for any subdomain (one or more labels), any other
 * `*` for part of one label. Without a port a pattern matches the hostname on any port.
 */

export const DEFAULT_DOWNLOAD_HOSTS = ['rh-images.xiaoyaoyou.com', '*-1252422369.cos.*.myqcloud.com', '*.runninghub.cn', '*.runninghub.ai'];

const LABEL = /^[a-z0-9*](?:[a-z0-9*-]*[a-z0-9*])?$/;

/**
 * Why `pattern` is not a usable host pattern, or null when it is. The last two labels must be literal, so that no
 * pattern admits a whole top-level domain (`*`, `*.com`, `*.cn`); a single label (`localhost`) must be literal.
 */
export function hostPatternProblem(pattern: string): string | null {
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(pattern);
  if (!m) return `"${pattern}" is not host or host:port`;
  const labels = m[1]!.split('.');
  if (labels.some((l) => !LABEL.test(l))) return `"${pattern}" is not a host name pattern`;
  if (labels.slice(-2).some((l) => l.includes('*'))) return `"${pattern}" admits a whole domain (the last two labels must be literal)`;
  if (m[2] && Number(m[2]) > 65535) return `"${pattern}" has an invalid port`;
  return null;
}

const escape = (s: string): string => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** A matcher of `host` (as URL.host: hostname[:port], lower case) against the patterns. */
export function hostMatcher(patterns: string[]): (host: string, hostname: string) => boolean {
  const compiled = patterns.map((p) => {
    const lower = p.toLowerCase();
    const hasPort = /:\d+$/.test(lower);
    let body = escape(lower);
    body = body.startsWith('*\\.') ? `(?:[a-z0-9-]+\\.)+${body.slice(3)}` : body;
    body = body.replace(/\*/g, '[a-z0-9-]+');
    return { hasPort, re: new RegExp(`^${body}$`) };
  });
  return (host, hostname) => compiled.some((c) => c.re.test(c.hasPort ? host : hostname));
}
