/**
 * The basic_clean pipeline, 10 photos of 12 MP at once, on the sandbox server (SQLite) in this process with its job
 * runner and the emulators in their own process (`npm run sandbox`, SANDBOX_URL: the vendor's pixel work is not the
 * server's, as at Tencent), against the guide's budget (p95 ≤ 5 s) and against the vendor step alone: the same CI calls the job makes
 * (the imageMogr2 downscale, then GoodsMatting), through the same client, for the same photos, 10 at once. The
 * server's own part of a task is what its job spends outside those calls (the job's `basic_clean finished` line:
 * `ms − vendorMs` — fetching the cut-out, composing both results, storing them, completing the task); the compose
 * step is also timed alone, from a cut-out as CI returns it (longer side ≤ MAX_CUTOUT_SIDE).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import sharp from 'sharp';
import { basicCleanOutputs, MAX_CUTOUT_SIDE } from '../src/vendors/cos/compose.js';
import { call, garmentJpeg, loginAsMember, uploadInput, waitForTask } from '../test/support/client.js';
import { startTestServer } from '../test/support/server.js';
import { cpuMicrosSince } from './load.js';
import { timed } from './measure.js';
import { fmt, type BenchRow } from './report.js';
import { startSandboxProcess } from './sandbox-process.js';

const AT_ONCE = 10;
const [WIDTH, HEIGHT] = [3000, 4000];
const BUDGET_MS = 5000;
const OWN_PART_GOAL_MS = 80;

const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(0.95 * xs.length) - 1)] ?? NaN;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** A 12 MP photo as a phone takes it: the garment on a background with sensor noise (a few MB of JPEG, not a flat file). */
async function photoJpeg(width: number, height: number): Promise<Buffer> {
  const noise = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 8 } } })
    .png()
    .toBuffer();
  return sharp(await garmentJpeg(width, height))
    .composite([{ input: noise, blend: 'soft-light' }])
    .jpeg({ quality: 92 })
    .toBuffer();
}

export async function measureBasicClean(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const photo = await photoJpeg(WIDTH, HEIGHT);

  // the compose step alone, from a cut-out of CI's size
  const side = MAX_CUTOUT_SIDE;
  const cutout = await sharp({ create: { width: (side * 3) / 4, height: side, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([{ input: await sharp(photo).resize((side * 3) / 4 - 200, side - 300).toBuffer(), top: 150, left: 100 }])
    .png()
    .toBuffer();
  const compose: number[] = [];
  const composeCpu: number[] = [];
  for (let i = 0; i < 10; i++) {
    const cpu = process.cpuUsage();
    compose.push((await timed(() => basicCleanOutputs(cutout)))[0]);
    composeCpu.push(cpuMicrosSince(cpu) / 1000);
  }
  rows.push({
    path: `compose both results from a ${(side * 3) / 4}×${side} cut-out (one at a time)`,
    result: `p95 ${fmt(p95(compose))} ms, CPU (all threads) least ${fmt(Math.min(...composeCpu))} ms, mean ${fmt(mean(composeCpu))} ms`,
    limit: '—',
    ratio: null,
    goal: 'reported (part of the server’s own part)',
    ok: true,
  });

  const own: number[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.includes('basic_clean finished')) continue;
        const { ms, vendorMs } = JSON.parse(line) as { ms: number; vendorMs: number };
        own.push(ms - vendorMs);
      }
      done();
    },
  });
  // the sandbox process and the server share the data directory (the sandbox's accounts and keys), as in the dry run
  const dataDir = mkdtempSync(join(tmpdir(), 'aizhao-bench-clean-'));
  const sandbox = await startSandboxProcess(dataDir);
  const s = await startTestServer({ dataDir, env: { SANDBOX_URL: sandbox.url }, logDestination, logLevel: 'info' });
  try {
    const { token, userId } = await loginAsMember(s.url);
    const upload = () => Promise.all(Array.from({ length: AT_ONCE }, () => uploadInput(s.url, token, photo)));

    // the vendor step alone: the job's two CI calls for each photo, 10 at once, through the server's own client
    const { imageProcessor, storage } = s.ctx.vendors;
    const vendorKeys = await upload();
    const vendor = await Promise.all(
      vendorKeys.map(async (key, i) => {
        const [ms] = await timed(async () => {
          await imageProcessor.downscale(key, `work/${userId}/bench/${i}.jpg`, MAX_CUTOUT_SIDE);
          await imageProcessor.goodsMatting(`work/${userId}/bench/${i}.jpg`, `work/${userId}/bench/${i}.png`);
        });
        return ms;
      }),
    );
    await Promise.all(vendorKeys.flatMap((_k, i) => [storage.delete(`work/${userId}/bench/${i}.jpg`), storage.delete(`work/${userId}/bench/${i}.png`)]));

    const keys = await upload();
    const cpuBefore = process.cpuUsage();
    const emulatorBefore = sandbox.cpuMicros();
    const clean = await Promise.all(
      keys.map(async (inputKey) => {
        const [ms] = await timed(async () => {
          const r = await call(s.url, 'POST', '/task/create', { token, body: { type: 'basic_clean', inputKey } });
          const t = await waitForTask(s.url, token, r.body.task.id, 60_000);
          if (t.status !== 'done') throw new Error(`task ${t.id} ${t.status}`);
        });
        return ms;
      }),
    );
    const serverCpuMs = cpuMicrosSince(cpuBefore) / 1000 / AT_ONCE;
    const emulatorCpuMs = (sandbox.cpuMicros() - emulatorBefore) / 1000 / AT_ONCE;
    const input = `${AT_ONCE} at once, ${WIDTH}×${HEIGHT} photos of ${fmt(photo.length / 2 ** 20, 1)} MB`;
    rows.push({
      path: `\`basic_clean\` create → done (${input})`,
      result: `p95 ${fmt(p95(clean))} ms`,
      limit: `the vendor step alone: p95 ${fmt(p95(vendor))} ms; budget ${fmt(BUDGET_MS)} ms`,
      ratio: p95(vendor) / p95(clean),
      goal: `p95 ≤ ${fmt(BUDGET_MS)} ms`,
      ok: p95(clean) <= BUDGET_MS,
    });
    rows.push({
      path: '`basic_clean`: the server’s own part per task',
      result: `mean ${fmt(mean(own))} ms, p95 ${fmt(p95(own))} ms (${own.length} tasks)`,
      limit: '—',
      ratio: null,
      goal: `≤ ${OWN_PART_GOAL_MS} ms/task (mean)`,
      ok: own.length === AT_ONCE && mean(own) <= OWN_PART_GOAL_MS,
    });
    // what the two cores had to do for the batch: no task can finish before its share of that is done
    rows.push({
      path: '`basic_clean`: CPU per task over the batch (all threads)',
      result: `server ${fmt(serverCpuMs)} ms (this process: the server and the polling merchant), emulator ${fmt(emulatorCpuMs)} ms`,
      limit: `${fmt(((serverCpuMs + emulatorCpuMs) * AT_ONCE) / cpus().length)} ms of the batch on ${cpus().length} cores at the least`,
      ratio: null,
      goal: 'reported',
      ok: true,
    });
  } finally {
    await s.destroy();
    await sandbox.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return rows;
}
