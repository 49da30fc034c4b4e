import type { QueryInterface, Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';

export interface MigrationParams {
  context: Sequelize;
}
export type Migration = (params: MigrationParams) => Promise<void>;

export async function loadMigrations() {
  return (await import('./migrations/index.js')).MIGRATIONS;
}

export function createMigrator(sequelize: Sequelize, logger?: { info(msg: object | string): void }) {
  return new Umzug<Sequelize>({
    migrations: async () =>
      (await loadMigrations()).map((m) => ({
        name: m.name,
        up: () => m.up({ context: sequelize }),
        down: () => m.down({ context: sequelize }),
      })),
    context: sequelize,
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: logger ? { info: (m) => logger.info(m), warn: (m) => logger.info(m), error: (m) => logger.info(m), debug: () => {} } : undefined,
  });
}
export type { QueryInterface };
