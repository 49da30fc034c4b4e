/**
 * The basic_clean pipeline against the guide's budget (p95 < 5 s for 10 at once) and the compose step alone, on the
 * sandbox server (SQLite) in this process with its job runner.
 */
import sharp from 'sharp';
import { composeOnWhite } from '../src/vendors/cos/compose.js';
import { call, garmentJpeg, loginAsMember, uploadInput, waitForTask } from '../test/support/client.js';
import { startTestServer } from '../test/support/server.js';
import { timed } from './measure.js';
import { fmt, type BenchRow } from './report.js';

const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(0.95 * xs.length) - 1)] ?? NaN;
const row = (path: string, samples: number[], budgetMs: number): BenchRow => ({
  path,
  result: `p95 ${fmt(p95(samples))} ms`,
  limit: `budget ${fmt(budgetMs)} ms`,
  ratio: null,
  goal: `p95 ≤ ${fmt(budgetMs)} ms`,
  ok: p95(samples) <= budgetMs,
});

export async function measureBasicClean(): Promise<BenchRow[]> {
  const cutout = await sharp({ create: { width: 3000, height: 4000, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([{ input: await garmentJpeg(2000, 3000), top: 500, left: 500 }])
    .png()
    .toBuffer();
  const compose: number[] = [];
  for (let i = 0; i < 10; i++) compose.push((await timed(() => composeOnWhite(cutout)))[0]);
  const rows = [row('compose 800×800 JPEG from a 3000×4000 cut-out', compose, 1000)];

  const s = await startTestServer({ env: { CI_MAX_CONCURRENCY: '4' } });
  try {
    const { token } = await loginAsMember(s.url);
    const photo = await garmentJpeg(1500, 2000);
    const keys = await Promise.all(Array.from({ length: 10 }, () => uploadInput(s.url, token, photo)));
    const clean: number[] = [];
    await Promise.all(
      keys.map(async (inputKey) => {
        const [ms] = await timed(async () => {
          const r = await call(s.url, 'POST', '/task/create', { token, body: { type: 'basic_clean', inputKey } });
          const t = await waitForTask(s.url, token, r.body.task.id, 60_000);
          if (t.status !== 'done') throw new Error(`task ${t.id} ${t.status}`);
        });
        clean.push(ms);
      }),
    );
    rows.push(row('`basic_clean` create → done (10 at once, 1500×2000 input)', clean, 5000));
  } finally {
    await s.destroy();
  }
  return rows;
}
