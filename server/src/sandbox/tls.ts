/**
 * TLS for the emulators of vendors whose SDKs only speak https (Tencent STS and SMS): a self-signed certificate made
 * at start-up, and an HTTPS agent that trusts it and sends the vendors' host names to the emulator's address, so that
 * an SDK signs exactly what it would sign for the real host.
 */
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { generate } from 'selfsigned';

/** A self-signed certificate (its own CA) for the given host names and 127.0.0.1 / ::1. */
export async function selfSignedCertificate(...hostnames: string[]): Promise<{ private: string; cert: string }> {
  const names = hostnames.length ? hostnames : ['127.0.0.1'];
  const altNames = [
    ...names.filter((h) => !isIP(h)).map((value) => ({ type: 2 as const, value })),
    { type: 7 as const, ip: '127.0.0.1' },
    { type: 7 as const, ip: '::1' },
  ];
  return generate([{ name: 'commonName', value: names[0]! }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames },
    ],
  });
}

/** An HTTPS agent trusting `ca` only, resolving each of `hostnames` to `address` (an IP); other names fail. */
export function emulatorAgent(o: { ca: string; hostnames: string[]; address: string; keepAlive?: boolean }): https.Agent {
  const family = isIP(o.address) === 6 ? 6 : 4;
  const lookup: LookupFunction = (host, options, callback) => {
    if (!o.hostnames.includes(host) && host !== o.address) {
      callback(Object.assign(new Error(`unexpected lookup ${host}`), { code: 'ENOTFOUND' }), '', family);
    } else if (options.all) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: o.address, family }]);
    } else {
      callback(null, o.address, family);
    }
  };
  return new https.Agent({ ca: o.ca, lookup, keepAlive: o.keepAlive ?? false });
}
