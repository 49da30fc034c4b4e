import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/** ulid's default PRNG asks the OS for one byte per character; this one draws them from a pool refilled 4 KB at a time. */
const pool = Buffer.alloc(4096);
let used = pool.length;
const prng = (): number => {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  return pool[used++]! / 256;
};

const next = monotonicFactory(prng);
/** A new id: a ULID (26 characters, sortable), also valid as a WeChat out_trade_no. */
export const newId = (): string => next();
