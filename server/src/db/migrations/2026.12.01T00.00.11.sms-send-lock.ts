/**
 * The job_locks row that serialises SMS code sends across server instances: the send limits (per-phone cooldown and
 * daily count, per-IP hourly count) are counted and the new code recorded while holding it, so that two instances
 * (or two requests) never both see room under a limit and both send.
 */
import type { Migration } from '../migrator.js';

export const up: Migration = async ({ context: sequelize }) => {
  await sequelize.getQueryInterface().bulkInsert('job_locks', [{ name: 'sms' }]);
};

export const down: Migration = async ({ context: sequelize }) => {
  await sequelize.getQueryInterface().bulkDelete('job_locks', { name: 'sms' });
};
