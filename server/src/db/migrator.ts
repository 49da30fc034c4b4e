import type { Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import { MIGRATIONS } from './migrations/index.js';

export interface MigrationParams {
  context: Sequelize;
}
export type Migration = (params: MigrationParams) => Promise<void>;

export function createMigrator(sequelize: Sequelize, logger?: { info(msg: object | string): void }) {
  return new Umzug<Sequelize>({
    migrations: MIGRATIONS.map((m) => ({
      name: m.name,
      up: () => m.up({ context: sequelize }),
      down: () => m.down({ context: sequelize }),
    })),
    context: sequelize,
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: logger ? { info: (m) => logger.info(m), warn: (m) => logger.info(m), error: (m) => logger.info(m), debug: () => {} } : undefined,
  });
}
