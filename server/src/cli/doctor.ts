/**
 * `npm run doctor`: checks the configuration (the root .env) against every vendor and the database with the real
 * clients, read-only (docs/deploy.md). Prints one ✓/✗ line per check and a summary; exit code 0 only when all pass.
 * In sandbox mode with SANDBOX_URL it is a dry run of the same checks against the emulators of that sandbox process
 * (doctor/dry-run.ts, docs/deploy.md "Dry run on this machine"); in sandbox mode without it there is nothing to check.
 */
import '../load-env.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { formatReport, runDoctor, type DoctorEndpoints } from '../doctor/checks.js';
import { prepareDryRun } from '../doctor/dry-run.js';

const configProblems = (err: ConfigError): string =>
  `✗ configuration: fix these in .env (see docs/configuration.md):\n${err.problems.map((p) => `    - ${p}`).join('\n')}`;

async function main(): Promise<number> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.log(configProblems(err));
    return 1;
  }
  let endpoints: DoctorEndpoints = {};
  let close = (): void => undefined;
  if (config.sandbox) {
    if (!config.sandboxUrl) {
      console.log(
        '✗ mode: this is sandbox mode (no vendor credentials in .env): the doctor checks a production configuration — set the vendor variables of .env.example (docs/deploy.md); or, for a dry run of every check against the emulators, start npm run sandbox and run SANDBOX_URL=http://127.0.0.1:3100 npm run doctor (docs/deploy.md "Dry run on this machine")',
      );
      return 1;
    }
    const sandboxUrl = config.sandboxUrl;
    try {
      ({ config, endpoints, close } = await prepareDryRun(config, process.env));
    } catch (err) {
      if (err instanceof ConfigError) console.log(configProblems(err));
      else console.log(`✗ dry run: ${(err as Error).message}`);
      return 1;
    }
    console.log(
      `Dry run against the sandbox emulators at ${sandboxUrl} (SANDBOX_URL): the production checks with the real clients, on the emulated vendor accounts, with your .env settings where set. No real vendor is called: this does not check production credentials.`,
    );
  }
  try {
    const results = await runDoctor(config, endpoints);
    console.log(formatReport(results));
    if (endpoints.dryRun)
      console.log('(dry run against the emulators — run npm run doctor with the production .env on the server for the real check)');
    return results.every((r) => r.ok) ? 0 : 1;
  } finally {
    close();
  }
}

try {
  process.exitCode = await main();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
// the vendor SDKs may keep sockets alive: the report is out, so leave
process.exit(process.exitCode);
