/**
 * Load for the benchmark: HTTP paths through autocannon at a fixed number of connections, and the same number of
 * concurrent loops of a bare operation (SQL on the driver, a transaction) for the limits; plus the peak RSS of a
 * process while load runs.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

export const CONNECTIONS = 50;

export interface LoadResult {
  /** completed requests (or operations) per second */
  rate: number;
  p50: number;
  p99: number;
  /** answers that were not 2xx, and transport errors */
  failures: number;
}

/** An HTTP load with the server's CPU time per completed request. */
export type Measured = LoadResult & { cpuPerRequest: number };

export interface HttpLoad {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** a fresh request each time (e.g. a callback body per order) */
  next?: () => { body: string; headers: Record<string, string> };
  seconds?: number;
  /** stop after this many requests instead (each `next()` used once) */
  amount?: number;
}

export async function http(o: HttpLoad): Promise<LoadResult> {
  const url = new URL(o.url);
  const request: autocannon.Request = { method: o.method ?? 'GET', path: `${url.pathname}${url.search}`, headers: o.headers, body: o.body };
  if (o.next) {
    const next = o.next;
    request.setupRequest = (req) => {
      const n = next();
      return { ...req, body: n.body, headers: { ...req.headers, ...n.headers } };
    };
  }
  // autocannon reports a run of `amount` requests only at its next 1 s sample tick, and its duration with it (lib/run.js
  // tickInterval): the rate is counted here instead, from the 2xx answers and the moment of the last answer.
  const started = performance.now();
  let ok = 0;
  let last = started;
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const options = { url: url.origin, connections: CONNECTIONS, ...(o.amount ? { amount: o.amount } : { duration: o.seconds ?? 5 }), requests: [request] };
    const instance = autocannon(options, (err, result) => (err ? reject(err as Error) : resolve(result)));
    instance.on('response', (_client, statusCode) => {
      last = performance.now();
      if (statusCode >= 200 && statusCode < 300) ok++;
    });
  });
  return {
    rate: ok / Math.max(0.001, (last - started) / 1000),
    p50: r.latency.p50,
    p99: r.latency.p99,
    failures: r.non2xx + r.errors + r.timeouts,
  };
}

/**
 * `concurrency` loops calling `op(i)` (i counts up across all loops) for `seconds`, or until `amount` calls; the rate
 * of completed calls and their latency. Throws when a call failed: what it measures is a limit, which failures would fake.
 */
export async function loops(
  op: (i: number) => Promise<unknown>,
  o: { seconds?: number; amount?: number; concurrency?: number },
): Promise<LoadResult> {
  const latencies: number[] = [];
  let i = 0;
  let failures = 0;
  let firstError: unknown;
  const t0 = performance.now();
  const until = t0 + (o.seconds ?? 5) * 1000;
  const more = (): boolean => (o.amount !== undefined ? i < o.amount : performance.now() < until);
  await Promise.all(
    Array.from({ length: o.concurrency ?? CONNECTIONS }, async () => {
      while (more()) {
        const n = i++;
        const t = performance.now();
        try {
          await op(n);
          latencies.push(performance.now() - t);
        } catch (err) {
          failures++;
          firstError ??= err;
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  // a limit is only a limit when every operation of it succeeded (a refused connection would make it look low)
  if (failures) throw new Error(`${failures} of ${failures + latencies.length} operations failed, the first: ${String(firstError)}`);
  const at = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { rate: latencies.length / seconds, p50: at(0.5), p99: at(0.99), failures };
}

/** CPU time (µs, all threads) a process has used so far, from /proc/<pid>/stat (utime + stime, in clock ticks of 10 ms). */
export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the fields after the command name (which may hold spaces) in parentheses: utime and stime are the 12th and 13th
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** This process's CPU time (µs, all threads) since `start` (a `process.cpuUsage()`). */
export function cpuMicrosSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

/** Samples the resident set size of `pid` (MB) until stopped; returns the peak. */
export function rssPeak(pid: number, everyMs = 100): { start: number; stop(): number } {
  let peak = 0;
  const sample = (): void => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {
      // the process is gone
    }
  };
  sample();
  const start = peak;
  const timer = setInterval(sample, everyMs);
  return {
    start,
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

/**
 * `rounds` runs of `round` (a path and its limits, measured one after the other), keeping for each measurement the run
 * with the highest rate: on a machine shared with others, what it gives when nothing else interferes. A path and its
 * limit alternate, so that a slow spell of the machine does not favour either.
 */
export async function bestOfRounds<R extends Record<string, LoadResult>>(rounds: number, round: () => Promise<R>): Promise<R> {
  let best: R | null = null;
  for (let i = 0; i < rounds; i++) {
    const r = await round();
    if (!best) best = r;
    else for (const k of Object.keys(r) as (keyof R)[]) if (r[k]!.rate > best[k]!.rate) best[k] = r[k]!;
  }
  if (!best) throw new RangeError('rounds must be at least 1');
  return best;
}
