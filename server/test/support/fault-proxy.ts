/**
 * A TCP fault proxy on 127.0.0.1 in front of a vendor (emulator or local fake), in the spirit of Toxiproxy's toxics.
 * Each new client connection takes the next mode of the plan (then the default):
 * - `pass`: bytes flow both ways unchanged;
 * - `reset`: the request reaches the vendor, then the connection is reset (RST) as its answer starts, so the client
 *   never learns whether the call was done;
 * - `stall`: the request is read and never answered (the client's timeout must fire);
 * - `slow`: the answer is passed on a few bytes at a time (a slow body);
 * - `http503`: (plain HTTP only) answered `503 Service Unavailable` without reaching the vendor.
 * A failed connection is gone, so a client's retry always opens a new one and takes the next mode.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { freePort, startTestServer, type TestServer, type TestServerOptions } from './server.js';

export type FaultMode = 'pass' | 'reset' | 'stall' | 'slow' | 'http503';

export interface FaultProxy {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `127.0.0.1:<port>` */
  readonly host: string;
  /** modes for the next connections, in order (appended to what is left of the plan) */
  plan(...modes: FaultMode[]): void;
  /** `mode` for the next connection whose first bytes (the HTTP request line, in plain HTTP) match `pattern` */
  planMatching(pattern: RegExp, mode: FaultMode): void;
  /** the mode of connections beyond the plan (default `pass`); existing connections are dropped */
  setDefault(mode: FaultMode): void;
  /** from now on each connection beyond the plan gets a random fault with this probability (0: none) */
  setFaultRate(rate: number): void;
  /** connections accepted so far, by the mode they got */
  readonly counts: Record<FaultMode, number>;
  /** connections closed so far, by the mode they got (a `slow` one once its whole answer was passed on) */
  readonly closed: Record<FaultMode, number>;
  /** all connections accepted so far */
  readonly connections: number;
  /** connections still planned */
  readonly planned: number;
  /** closes every open connection (keep-alive ones included) */
  dropAll(): void;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** `slow`: bytes per step and ms between steps */
  dripBytes?: number;
  dripMs?: number;
  /** a random schedule instead of a plan: each connection gets a fault with this probability */
  faultRate?: number;
  /** the faults a random schedule picks from (default reset, http503, slow) */
  faults?: FaultMode[];
  /** seed of the random schedule (reproducible runs) */
  seed?: number;
  /**
   * One HTTP request per connection (plain HTTP only): the answer's `Connection: keep-alive` becomes `close`, so
   * every request opens a new connection and takes the next mode (else keep-alive would carry most requests).
   */
  oneRequestPerConnection?: boolean;
}

const KEEP_ALIVE = /\r\nConnection: keep-alive\r\n/i;
const BODY_503 = 'Service Unavailable (fault proxy)';
const RESPONSE_503 = `HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: ${BODY_503.length}\r\nConnection: close\r\n\r\n${BODY_503}`;

/** mulberry32: a small seeded PRNG, so a random fault schedule can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startFaultProxy(target: { host?: string; port: number }, o: FaultProxyOptions = {}): Promise<FaultProxy> {
  const queue: FaultMode[] = [];
  let fallback: FaultMode = 'pass';
  const counts: Record<FaultMode, number> = { pass: 0, reset: 0, stall: 0, slow: 0, http503: 0 };
  const closed: Record<FaultMode, number> = { pass: 0, reset: 0, stall: 0, slow: 0, http503: 0 };
  let connections = 0;
  const open = new Set<Socket>();
  const random = seeded(o.seed ?? 1);
  let faultRate = o.faultRate ?? 0;
  const faults = o.faults ?? ['reset', 'http503', 'slow'];
  const dripBytes = o.dripBytes ?? 64;
  const dripMs = o.dripMs ?? 20;

  const targeted: { pattern: RegExp; mode: FaultMode }[] = [];
  const nextMode = (first: Buffer): FaultMode => {
    const text = first.toString('latin1');
    const hit = targeted.findIndex((t) => t.pattern.test(text));
    if (hit >= 0) return targeted.splice(hit, 1)[0]!.mode;
    const planned = queue.shift();
    if (planned) return planned;
    if (faultRate > 0 && random() < faultRate) return faults[Math.floor(random() * faults.length)] ?? 'reset';
    return fallback;
  };

  const track = (s: Socket): void => {
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => undefined);
  };

  const server: Server = createServer((client) => {
    connections++;
    track(client);
    // the mode is chosen when the client has said something (so a rule can match its request line)
    client.once('data', (firstChunk: Buffer) => {
      client.pause();
      handle(client, nextMode(firstChunk), firstChunk);
      client.resume();
    });
  });

  function handle(client: Socket, mode: FaultMode, firstChunk: Buffer): void {
    counts[mode]++;
    client.once('close', () => void closed[mode]++);
    if (mode === 'stall') {
      client.on('data', () => undefined);
      return;
    }
    if (mode === 'http503') {
      client.end(RESPONSE_503);
      return;
    }
    const upstream = connect({ host: target.host ?? '127.0.0.1', port: target.port });
    track(upstream);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => (mode === 'slow' ? undefined : client.end()));
    upstream.write(firstChunk);
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    client.on('end', () => upstream.end());
    let first = true;
    /** the answer as passed on (see oneRequestPerConnection) */
    const answer = (chunk: Buffer): Buffer => {
      if (!first || !o.oneRequestPerConnection) return chunk;
      first = false;
      return Buffer.from(chunk.toString('latin1').replace(KEEP_ALIVE, '\r\nConnection: close\r\n'), 'latin1');
    };
    if (mode === 'pass') {
      upstream.on('data', (chunk: Buffer) => client.write(answer(chunk)));
      return;
    }
    if (mode === 'reset') {
      upstream.once('data', () => {
        client.resetAndDestroy();
        upstream.destroy();
      });
      return;
    }
    // slow: drip what the vendor answers
    const pending: Buffer[] = [];
    let upstreamDone = false;
    let timer: NodeJS.Timeout | null = null;
    const step = (): void => {
      timer = null;
      const head = pending[0];
      if (!head) {
        if (upstreamDone) client.end();
        return;
      }
      client.write(head.subarray(0, dripBytes));
      if (head.length > dripBytes) pending[0] = head.subarray(dripBytes);
      else pending.shift();
      timer = setTimeout(step, dripMs);
    };
    upstream.on('data', (chunk: Buffer) => {
      pending.push(answer(chunk));
      if (!timer) timer = setTimeout(step, dripMs);
    });
    upstream.on('close', () => {
      upstreamDone = true;
      if (!timer) step();
    });
    client.on('close', () => {
      if (timer) clearTimeout(timer);
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const dropAll = (): void => {
    for (const s of open) s.destroy();
  };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    plan: (...modes) => void queue.push(...modes),
    planMatching: (pattern, mode) => void targeted.push({ pattern, mode }),
    setDefault(mode) {
      fallback = mode;
      dropAll();
    },
    setFaultRate(rate) {
      faultRate = rate;
      dropAll();
    },
    counts,
    closed,
    get connections() {
      return connections;
    },
    get planned() {
      return queue.length + targeted.length;
    },
    dropAll,
    async close() {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A test server behind a fault proxy: the proxy listens on the server's public address (PUBLIC_BASE_URL), so every
 * vendor call the server makes to the emulators, and every call of the emulators back to us, crosses it.
 */
export async function startServerBehindProxy(
  proxyOptions: FaultProxyOptions,
  o: TestServerOptions = {},
): Promise<{ s: TestServer; proxy: FaultProxy }> {
  const port = await freePort();
  const proxy = await startFaultProxy({ port }, proxyOptions);
  try {
    const s = await startTestServer({ ...o, env: { PORT: String(port), PUBLIC_BASE_URL: proxy.url, ...o.env } });
    return { s, proxy };
  } catch (err) {
    await proxy.close();
    throw err;
  }
}
