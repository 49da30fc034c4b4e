/**
 * Isolation of the background work: one step of a runner pass, or one item of a sweep, that throws is logged and
 * skipped, and the others still run (the failed one is tried again on a later pass).
 */
import type { AppContext } from '../context.js';

/** Runs `fn`; an exception is logged with `what` and `fields` and swallowed. Returns whether it succeeded. */
export async function isolated(
  ctx: AppContext,
  what: string,
  fields: Record<string, unknown>,
  fn: () => Promise<unknown>,
): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    ctx.logger.error({ err, ...fields }, `${what} failed; the rest of the pass goes on`);
    return false;
  }
}
