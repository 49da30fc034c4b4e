/**
 * consents: each time a merchant accepts the terms of service and the privacy policy (the versions they were shown,
 * when, from which address). Append-only: the newest row of a user is what they accepted last.
 */
import { DataTypes } from 'sequelize';
import type { Migration } from '../migrator.js';

export const up: Migration = async ({ context: sequelize }) => {
  const qi = sequelize.getQueryInterface();
  await qi.createTable('consents', {
    id: { type: DataTypes.BIGINT, autoIncrement: true, primaryKey: true },
    userId: { type: DataTypes.STRING(32), allowNull: false },
    termsVersion: { type: DataTypes.STRING(64), allowNull: false },
    privacyVersion: { type: DataTypes.STRING(64), allowNull: false },
    ip: { type: DataTypes.STRING(64), allowNull: true },
    acceptedAt: { type: DataTypes.DATE(3), allowNull: false },
  });
  await qi.addIndex('consents', ['userId', 'acceptedAt'], { name: 'idx_consents_user' });
};

export const down: Migration = async ({ context: sequelize }) => {
  await sequelize.getQueryInterface().dropTable('consents');
};
