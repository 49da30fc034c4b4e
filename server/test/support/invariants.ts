import { afterAll, beforeAll, expect } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { ledgerMismatches } from '../../src/modules/quota/ledger.js';
import { startTestServer, type TestServer, type TestServerOptions } from './server.js';

/** balance = sum of the ledger, never negative, for every user. */
export async function expectLedgerInvariant(db: Database): Promise<void> {
  expect(await ledgerMismatches(db)).toEqual([]);
}

/**
 * A server for the file's (or describe block's) tests, started before them; after them the ledger must still hold,
 * then the server is destroyed. `srv.s` is set by `beforeAll`.
 */
export function ledgerCheckedServer(o: TestServerOptions): { s: TestServer } {
  const srv = {} as { s: TestServer };
  beforeAll(async () => {
    srv.s = await startTestServer(o);
  });
  afterAll(async () => {
    await expectLedgerInvariant(srv.s.db);
    await srv.s.destroy();
  });
  return srv;
}
