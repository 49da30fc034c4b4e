import { monotonicFactory } from 'ulid';

const next = monotonicFactory();
/** A new id: a ULID (26 characters, sortable), also valid as a WeChat out_trade_no. */
export const newId = (): string => next();
