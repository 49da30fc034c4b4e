/**
 * The ledger invariant, checked periodically (LEDGER_CHECK_INTERVAL_MS, and once at start): users whose balance is
 * not the sum of their quota ledger. The count goes to the aizhao_ledger_mismatch_users metric and a mismatch is
 * logged as an error with the user ids, and the admin dashboard shows the last result. One full scan per interval
 * and process, never per scrape or dashboard view.
 */
import type { AppContext } from '../context.js';
import type { Metrics } from '../lib/metrics.js';
import { ledgerMismatches } from '../modules/quota/ledger.js';

export interface LedgerCheck {
  start(): void;
  stop(): void;
  /** runs one check now; resolves with the mismatching users */
  checkNow(): Promise<Awaited<ReturnType<typeof ledgerMismatches>>>;
  /** the last check's result (what the admin dashboard shows), null before the first */
  last(): { at: Date; mismatches: Awaited<ReturnType<typeof ledgerMismatches>> } | null;
}

/** at most this many user ids in one log line */
const LOGGED_USERS = 50;

export function createLedgerCheck(ctx: AppContext, metrics: Metrics): LedgerCheck {
  let timer: NodeJS.Timeout | null = null;
  let running: ReturnType<LedgerCheck['checkNow']> | null = null;
  let last: ReturnType<LedgerCheck['last']> = null;

  async function check(): ReturnType<LedgerCheck['checkNow']> {
    const rows = await ledgerMismatches(ctx.db);
    const at = ctx.now();
    last = { at, mismatches: rows };
    metrics.ledgerMismatchUsers.set(rows.length);
    metrics.ledgerCheckedAt.set(at.getTime() / 1000);
    if (rows.length) {
      ctx.logger.error(
        { ledgerMismatches: rows.length, users: rows.slice(0, LOGGED_USERS) },
        'ledger invariant broken: balance differs from the sum of the quota ledger',
      );
    }
    return rows;
  }

  const checkNow = (): ReturnType<LedgerCheck['checkNow']> => {
    running ??= check().finally(() => {
      running = null;
    });
    return running;
  };
  const quietly = () => void checkNow().catch((err: unknown) => ctx.logger.warn({ err }, 'ledger check failed'));

  return {
    start() {
      if (timer) return;
      timer = setInterval(quietly, ctx.config.ledgerCheckIntervalMs);
      timer.unref();
      quietly();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
    checkNow,
    last: () => last,
  };
}
