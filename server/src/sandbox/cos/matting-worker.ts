/**
 * The worker thread of the sandbox GoodsMatting (matting-pool.ts): cuts the plain background out of the RGBA pixels
 * it is sent and, for center-layout, finds the subject's box; answers with the same (transferred) buffer.
 */
import { parentPort } from 'node:worker_threads';
import { alphaBoundingBox } from '../../vendors/cos/alpha-bounds.js';
import { cutOutPlainBackground } from './matting-pixels.js';
import type { MattingJob, MattingReply } from './matting-pool.js';

const port = parentPort;
if (!port) throw new Error('matting-worker runs as a worker thread');
port.on('message', (job: MattingJob) => {
  let reply: MattingReply;
  try {
    const px = Buffer.from(job.pixels.buffer, job.pixels.byteOffset, job.pixels.byteLength);
    cutOutPlainBackground(px, job.width, job.height);
    const box = job.centerLayout ? alphaBoundingBox(px, job.width, job.height) : null;
    reply = { id: job.id, pixels: job.pixels, box };
  } catch (err) {
    reply = { id: job.id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply, 'pixels' in reply ? [reply.pixels.buffer] : []);
});
