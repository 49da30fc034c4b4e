/** The fault tests' measurements: per vendor call and fault, the outcome, the attempts made and the time taken. */
import type { FaultProxy } from '../support/fault-proxy.js';

export interface FaultRow {
  vendor: string;
  call: string;
  fault: string;
  outcome: string;
  /** connections the proxy saw for the call (= attempts; the SDK's own retries included) */
  attempts: number | null;
  ms: number;
}

export const figures: FaultRow[] = [];

/** Runs `fn` through `proxy`, records the row and returns the result or the error. */
export async function measure<T>(
  proxy: FaultProxy | null,
  row: { vendor: string; call: string; fault: string },
  fn: () => Promise<T>,
): Promise<
  { ok: true; value: T; attempts: number | null; ms: number } | { ok: false; error: unknown; attempts: number | null; ms: number }
> {
  const before = proxy?.connections ?? 0;
  const started = Date.now();
  let result: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    result = { ok: true, value: await fn() };
  } catch (error) {
    result = { ok: false, error };
  }
  const ms = Date.now() - started;
  const attempts = proxy ? proxy.connections - before : null;
  const e = result.ok ? null : (result.error as { details?: { status?: number; code?: string }; message?: string });
  const outcome = result.ok
    ? 'ok'
    : `error ${e?.details?.status ?? ''} ${e?.details?.code ?? ''}`.replace(/\s+/g, ' ').trim() ||
      `error ${String(e?.message).slice(0, 40)}`;
  figures.push({ ...row, outcome, attempts, ms });
  return { ...result, attempts, ms };
}

/** Prints the figures (the closing note asks for them). */
export function printFigures(title: string): void {
  if (!figures.length) return;
  const lines = figures.map((r) => `| ${r.vendor} | ${r.call} | ${r.fault} | ${r.outcome} | ${r.attempts ?? '—'} | ${r.ms} |`);
  console.warn([`\n${title}`, '| vendor | call | fault | outcome | attempts | ms |', '|---|---|---|---|---|---|', ...lines].join('\n'));
}
