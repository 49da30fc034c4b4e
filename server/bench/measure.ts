/**
 * The benchmarks' bookkeeping, shared by `server/bench` and `desktop/bench`: time a step, record samples against a
 * p95 target, and print the table (exit code 1 when a target is missed).
 */
import { performance } from 'node:perf_hooks';

/** How long `fn` took (ms), and what it returned. */
export async function timed<T>(fn: () => T | Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

const results: { name: string; p50: number; p95: number; target: number }[] = [];

/** Records `samples` (ms) of `name`, whose p95 must stay under `target` ms. */
export function record(name: string, samples: number[], target: number): void {
  results.push({ name, p50: pct(samples, 50), p95: pct(samples, 95), target });
}

/** Prints what was recorded under `title` with `digits` decimals, and exits: 1 when a p95 missed its target. */
export function report(title: string, digits = 0): never {
  let failed = 0;
  console.log(`\n${title.padEnd(54)} p50 ms   p95 ms   target p95`);
  for (const r of results) {
    const ok = r.p95 <= r.target;
    if (!ok) failed++;
    console.log(
      `${r.name.padEnd(54)} ${r.p50.toFixed(digits).padStart(7)} ${r.p95.toFixed(digits).padStart(8)}   < ${r.target} ${ok ? 'ok' : 'MISSED'}`,
    );
  }
  process.exit(failed ? 1 : 0);
}
