/**
 * The system proxy for Node-side HTTP clients that cannot use Electron's `net` (the COS SDK runs on the `request`
 * library). Electron's `session.resolveProxy(url)` answers in PAC syntax — a `;`-separated list of `DIRECT`,
 * `PROXY host:port`, `HTTPS host:port`, `SOCKS host:port`, `SOCKS5 host:port`, tried in order
 * (https://www.electronjs.org/docs/latest/api/session#sesresolveproxyurl,
 * https://developer.mozilla.org/en-US/docs/Web/HTTP/Proxy_servers_and_tunneling/Proxy_Auto-Configuration_PAC_file#return_value_format).
 */

/** The first entry the `request` library can use, as a proxy URL; undefined when the first usable entry is DIRECT. */
export function proxyUrlFromPac(pac: string): string | undefined {
  for (const entry of pac.split(';')) {
    const [kind = '', hostPort] = entry.trim().split(/\s+/);
    const type = kind.toUpperCase();
    if (type === 'DIRECT') return undefined;
    if (!hostPort) continue;
    if (type === 'PROXY' || type === 'HTTP') return `http://${hostPort}`;
    if (type === 'HTTPS') return `https://${hostPort}`;
    // SOCKS entries: `request` speaks no SOCKS; the next entry (usually DIRECT) is tried, as Chromium would
  }
  return undefined;
}
