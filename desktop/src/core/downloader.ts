/**
 * Downloads result files atomically: each file streams into `<name>.part` next to its final path and is renamed
 * when complete, so a file under its final name is always whole and is skipped on the next run.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import pRetry, { AbortError } from 'p-retry';
import { DesktopError } from './errors.js';

export interface DownloadOptions {
  retries?: number;
  /** first retry delay; doubles each time */
  minRetryDelayMs?: number;
  timeoutMs?: number;
  /** the HTTP stack (Electron's `net.fetch` in the app: system proxy and OS certificates); Node's `fetch` by default */
  fetch?: typeof fetch;
}

async function fetchToFile(url: string, dest: string, timeoutMs: number, send: typeof fetch): Promise<void> {
  const res = await send(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok || !res.body) {
    const err = new DesktopError('DOWNLOAD_FAILED', `下载结果失败（${res.status}）`, res.status);
    // an expired or missing object will not come back by retrying the same URL
    throw res.status >= 400 && res.status < 500 && res.status !== 429 ? new AbortError(err) : err;
  }
  const part = `${dest}.part`;
  try {
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(part));
    await rename(part, dest);
  } catch (e) {
    await rm(part, { force: true });
    throw e;
  }
}

/** Downloads `urls[i]` to `dir/names[i]`, skipping files already complete; returns the paths in order. */
export async function downloadAll(
  urls: readonly string[],
  dir: string,
  names: readonly string[],
  o: DownloadOptions = {},
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const [i, url] of urls.entries()) {
    const dest = join(dir, names[i]!);
    if (!existsSync(dest)) {
      await pRetry(() => fetchToFile(url, dest, o.timeoutMs ?? 60_000, o.fetch ?? fetch), {
        retries: o.retries ?? 4,
        minTimeout: o.minRetryDelayMs ?? 500,
        factor: 2,
      }).catch((e: unknown) => {
        throw e instanceof DesktopError
          ? e
          : new DesktopError('DOWNLOAD_FAILED', '下载结果失败，请检查网络和磁盘空间后重试', undefined, { cause: e });
      });
    }
    paths.push(dest);
  }
  return paths;
}
