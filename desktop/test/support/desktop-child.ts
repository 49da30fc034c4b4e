/**
 * A desktop main process in a child process, so that a test can kill it with SIGKILL mid-batch.
 * argv: <apiBaseUrl> <dataDir> <keyHex> <photoFolder>. Prints one JSON line of item stages per state change.
 */
import { loginWithSandboxCode, buyInApp, startDesktop, testSecretBox } from './desktop.js';

const [apiBaseUrl, dir, keyHex, folder] = process.argv.slice(2) as [string, string, string, string];
const d = await startDesktop(apiBaseUrl, {
  from: { dir, secrets: testSecretBox(true, Buffer.from(keyHex, 'hex')), resultRoot: `${dir}/results` },
});
await loginWithSandboxCode(d, apiBaseUrl);
await buyInApp(d);
d.service.onState((s) => {
  process.stdout.write(`${JSON.stringify(s.batches.flatMap((b) => b.items.map((i) => i.stage)))}\n`);
});
await d.service.addFiles([folder]);
await d.service.startBatch({ type: 'basic_clean', params: {} });
