/**
 * `npm run bench`: the guide's performance targets, measured on this machine against the sandbox server (SQLite).
 * basic_clean P95 < 5 s, task list < 1 s, payment callback ack < 2 s, STS < 500 ms; plus the compose step alone.
 * Exits non-zero when a target is missed. Bounded: a few hundred requests to 127.0.0.1 only.
 */
import sharp from 'sharp';
import { composeOnWhite } from '../src/vendors/cos/compose.js';
import { call, garmentJpeg, loginAsMember, uploadInput, waitForTask } from '../test/support/client.js';
import { startTestServer } from '../test/support/server.js';
import { record, report, timed } from './measure.js';

// 1. compose 800×800 on white from a large cut-out
const cutout = await sharp({ create: { width: 3000, height: 4000, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
  .composite([{ input: await garmentJpeg(2000, 3000), top: 500, left: 500 }])
  .png()
  .toBuffer();
const compose: number[] = [];
for (let i = 0; i < 10; i++) compose.push((await timed(() => composeOnWhite(cutout)))[0]);
record('compose 800×800 JPEG from a 3000×4000 cut-out', compose, 1000);

// 2. the server loop
const s = await startTestServer({ env: { CI_MAX_CONCURRENCY: '4' } });
try {
  const { token } = await loginAsMember(s.url);
  const sts: number[] = [];
  for (let i = 0; i < 20; i++) sts.push((await timed(() => call(s.url, 'POST', '/storage/sts', { token, body: {} })))[0]);
  record('POST /storage/sts', sts, 500);

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
  record('basic_clean create → done (10 at once, 1500×2000 input)', clean, 5000);

  const list: number[] = [];
  for (let i = 0; i < 20; i++) list.push((await timed(() => call(s.url, 'GET', '/tasks?limit=50', { token })))[0]);
  record('GET /tasks?limit=50', list, 1000);

  const { body: order } = await call(s.url, 'POST', '/membership/purchase', { token, body: { channel: 'wx' } });
  const [payMs] = await timed(() => call(s.url, 'POST', `/sandbox/wxpay/orders/${order.orderId}/pay`));
  const callbacks: number[] = [payMs];
  for (let i = 0; i < 20; i++) {
    const [ms] = await timed(() => call(s.url, 'POST', `/sandbox/wxpay/orders/${order.orderId}/notify`, { body: { times: 1 } }));
    callbacks.push(ms);
  }
  record('payment callback delivered and acknowledged', callbacks, 2000);
} finally {
  await s.destroy();
}

report('benchmark');
