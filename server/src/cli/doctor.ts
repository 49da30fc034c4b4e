/**
 * `npm run doctor`: checks the configuration (the root .env) against every vendor and the database with the real
 * clients, read-only (docs/deploy.md). Prints one ✓/✗ line per check and a summary; exit code 0 only when all pass.
 */
import '../load-env.js';
import { ConfigError, loadConfig } from '../config.js';
import { formatReport, runDoctor } from '../doctor/checks.js';

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.log(`✗ configuration: fix these in .env (see docs/configuration.md):\n${err.problems.map((p) => `    - ${p}`).join('\n')}`);
    return 1;
  }
  if (config.sandbox) {
    console.log(
      '✗ mode: this is sandbox mode (no vendor credentials in .env): the doctor checks a production configuration — set the vendor variables of .env.example (docs/deploy.md)',
    );
    return 1;
  }
  const results = await runDoctor(config);
  console.log(formatReport(results));
  return results.every((r) => r.ok) ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
// the vendor SDKs may keep sockets alive: the report is out, so leave
process.exit(process.exitCode);
