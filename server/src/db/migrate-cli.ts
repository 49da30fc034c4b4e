/** `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the SQLite file in DATA_DIR). */
import '../load-env.js';
import { loadConfig } from '../config.js';
import { createDatabase } from './index.js';
import { createMigrator } from './migrator.js';

const config = loadConfig();
const db = createDatabase({ url: config.database.url, dataDir: config.dataDir });
const migrator = createMigrator(db.sequelize, { info: (m) => console.log(typeof m === 'string' ? m : JSON.stringify(m)) });
const done = await migrator.up();
console.log(`applied ${done.length} migration(s) to ${db.dialect}`);
await db.close();
