import { expect } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { ledgerMismatches } from '../../src/modules/quota/ledger.js';

/** balance = sum of the ledger, never negative, for every user. */
export async function expectLedgerInvariant(db: Database): Promise<void> {
  expect(await ledgerMismatches(db)).toEqual([]);
}
