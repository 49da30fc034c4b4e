/**
 * `npm run doctor` in sandbox mode with SANDBOX_URL: the dry run on this machine. It reads the emulated vendor
 * accounts from the shared sandbox process (`npm run sandbox`, GET /sandbox/internal/accounts, loopback only), builds
 * the production configuration a server would have with those accounts — every value set in .env or the environment
 * wins, so a broken setting can be tried — and points the real vendor clients at the emulators: COS, CI, WeChat Pay,
 * Alipay and RunningHub under SANDBOX_URL, Tencent STS and SMS on the sandbox process's HTTPS listener (its self-signed
 * certificate trusted for these requests only). runDoctor then runs the same checks as in production.
 */
import { lookup } from 'node:dns/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config.js';
import type { EmulatedAccounts } from '../sandbox/accounts.js';
import { sandboxCosEndpoint } from '../sandbox/cos/index.js';
import { SANDBOX_INTERNAL } from '../sandbox/remote.js';
import { TENCENT_HOSTS } from '../sandbox/tencent/index.js';
import { emulatorAgent } from '../sandbox/tls.js';
import type { DoctorEndpoints } from './checks.js';

export interface DryRun {
  config: Config;
  endpoints: DoctorEndpoints;
  /** removes the key files written for the configuration and restores the process's HTTPS agent */
  close(): void;
}

/** The emulated accounts, or an Error saying how to start the sandbox process. */
async function fetchAccounts(sandboxUrl: string): Promise<EmulatedAccounts> {
  const url = `${sandboxUrl}${SANDBOX_INTERNAL}/accounts`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new Error(
      `the sandbox process does not answer at ${sandboxUrl} (${(err as Error).message}) — start it with npm run sandbox, and set SANDBOX_URL to the address it prints`,
    );
  }
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status} — the dry run reads the emulated accounts from this machine only`);
  return (await res.json()) as EmulatedAccounts;
}

/**
 * The dry run's configuration and endpoints. `source` is the environment as loaded (.env and the process's
 * variables); `sandbox` the sandbox-mode configuration loaded from it (its JWT secret stands in when none is set).
 */
export async function prepareDryRun(sandbox: Config, source: NodeJS.ProcessEnv): Promise<DryRun> {
  const sandboxUrl = sandbox.sandboxUrl;
  if (!sandboxUrl) throw new Error('the dry run needs SANDBOX_URL');
  const accounts = await fetchAccounts(sandboxUrl);
  const dir = mkdtempSync(join(tmpdir(), 'aizhao-doctor-dry-run-'));
  const files: Record<string, string> = {};
  for (const [name, pem] of Object.entries(accounts.files)) {
    files[name] = join(dir, `${name.toLowerCase()}.pem`);
    writeFileSync(files[name], pem, { mode: 0o600 });
  }
  const given = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  delete given['SANDBOX_URL']; // the configuration below is not sandbox mode
  let config: Config;
  try {
    config = loadConfig({
      ...accounts.env,
      ...files,
      RUNNINGHUB_BASE_URL: `${sandboxUrl}/sandbox/runninghub`,
      ALIPAY_GATEWAY: `${sandboxUrl}/sandbox/alipay/gateway.do`,
      JWT_SECRET: sandbox.jwt.secret,
      ...given,
      SANDBOX: '0',
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const { hostname } = new URL(sandboxUrl);
  const address = (await lookup(hostname.replace(/^\[|\]$/g, ''))).address;
  const agent = emulatorAgent({ ca: accounts.tencent.ca, hostnames: [TENCENT_HOSTS.sms], address });
  // qcloud-cos-sts (axios) takes no agent: trust the emulator's certificate process-wide for this command, as
  // NODE_EXTRA_CA_CERTS would (every https request of the dry run goes to the emulators)
  const savedAgent = https.globalAgent;
  https.globalAgent = new https.Agent({ ca: accounts.tencent.ca });
  return {
    config,
    endpoints: {
      cos: sandboxCosEndpoint(sandboxUrl),
      // STS signs the host it addresses, port included (sts.js getSignature): the sandbox process's address
      stsHost: `${hostname}:${accounts.tencent.port}`,
      // the SMS SDK takes its service name from the endpoint's first label and signs the host name without the port
      sms: { endpoint: `${TENCENT_HOSTS.sms}:${accounts.tencent.port}`, agent },
      wechatBaseUrl: `${sandboxUrl}/sandbox/wxpay`,
      dryRun: true,
    },
    close() {
      https.globalAgent = savedAgent;
      agent.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
