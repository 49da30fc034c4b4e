/** Every migration, in order. Add new ones here (named <timestamp>.<what>.ts); they run once each. */
import * as initialSchema from './2026.11.26T00.00.01.initial-schema.js';
import * as admin from './2026.11.26T00.00.02.admin.js';
import * as taskVendorError from './2026.11.26T00.00.03.task-vendor-error.js';
import * as taskResultsPurged from './2026.11.26T00.00.04.task-results-purged.js';
import * as jobLocks from './2026.11.26T00.00.05.job-locks.js';
import * as orderSnapshot from './2026.12.01T00.00.06.order-snapshot-and-balance-check.js';
import * as taskSaveAttempts from './2026.12.01T00.00.07.task-save-attempts.js';
import * as refunds from './2026.12.01T00.00.08.refunds.js';
import * as consents from './2026.12.01T00.00.10.consents.js';
import * as smsSendLock from './2026.12.01T00.00.11.sms-send-lock.js';
import * as plans from './2026.12.01T00.00.13.plans.js';
import * as taskKeysetIndexes from './2026.12.01T00.00.15.task-keyset-indexes.js';

export const MIGRATIONS = [
  { name: '2026.11.26T00.00.01.initial-schema', ...initialSchema },
  { name: '2026.11.26T00.00.02.admin', ...admin },
  { name: '2026.11.26T00.00.03.task-vendor-error', ...taskVendorError },
  { name: '2026.11.26T00.00.04.task-results-purged', ...taskResultsPurged },
  { name: '2026.11.26T00.00.05.job-locks', ...jobLocks },
  { name: '2026.12.01T00.00.06.order-snapshot-and-balance-check', ...orderSnapshot },
  { name: '2026.12.01T00.00.07.task-save-attempts', ...taskSaveAttempts },
  { name: '2026.12.01T00.00.08.refunds', ...refunds },
  { name: '2026.12.01T00.00.10.consents', ...consents },
  { name: '2026.12.01T00.00.11.sms-send-lock', ...smsSendLock },
  { name: '2026.12.01T00.00.13.plans', ...plans },
  { name: '2026.12.01T00.00.15.task-keyset-indexes', ...taskKeysetIndexes },
];
