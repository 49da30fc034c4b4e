/**
 * `npm run admin:create -- --username NAME`: creates a web admin account, or sets a new password for an existing one
 * (which also unlocks it and ends its sessions). The password is read from standard input: a hidden prompt (asked
 * twice) on a terminal, else the first line of the input. Only its scrypt hash is stored.
 */
import '../load-env.js';
import { ConfigError, loadConfig } from '../config.js';
import { createDatabase } from '../db/index.js';
import { createMigrator } from '../db/migrator.js';
import { hashPassword } from '../lib/password.js';
import { createOrResetAdmin, USERNAME_PATTERN } from '../modules/admin/auth/accounts.js';

const MIN_PASSWORD = 8; // as admin:hash-password

function usernameArg(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--username') return argv[i + 1];
    if (a.startsWith('--username=')) return a.slice('--username='.length);
  }
  return undefined;
}

/** Reads a line from a terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stdout.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stdout.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004') return finish(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await promptHidden('Password: ');
    const again = await promptHidden('Repeat password: ');
    if (first !== again) throw new Error('the passwords do not match');
    return first;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

async function main(): Promise<number> {
  const username = usernameArg(process.argv.slice(2));
  if (!username || !USERNAME_PATTERN.test(username)) {
    console.error('usage: npm run admin:create -- --username NAME   (1–64 characters of A-Z a-z 0-9 _ . @ -)');
    return 2;
  }
  const password = await readPassword();
  if (password.length < MIN_PASSWORD) {
    console.error(`the password must be at least ${MIN_PASSWORD} characters`);
    return 1;
  }
  const config = loadConfig();
  const db = createDatabase({ url: config.database.url, dataDir: config.dataDir, poolMin: 0, poolMax: 2 });
  try {
    if (config.sandbox) await db.migrate();
    else if ((await createMigrator(db.sequelize).pending()).length) {
      console.error('the database has pending migrations: run npm run db:migrate first');
      return 1;
    }
    const outcome = await createOrResetAdmin({ db, now: () => new Date() }, username, await hashPassword(password));
    console.log(outcome === 'created' ? `admin ${username} created` : `admin ${username}: password updated, account unlocked, sessions ended`);
    return 0;
  } finally {
    await db.close();
  }
}

try {
  process.exitCode = await main();
} catch (err) {
  console.error(err instanceof ConfigError || err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
