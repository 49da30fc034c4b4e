/**
 * RunningHub AI-app client over the legacy OpenAPI (/task/openapi/*): JSON POSTs carrying `apiKey` in the body
 * (and as a Bearer token), always answered with HTTP 200 `{code,msg,data}`. The same class talks to the real
 * service (https://www.runninghub.cn) and to the sandbox emulator (baseUrl = http://host:port/sandbox/runninghub).
 */
import { VendorError } from '../../lib/errors.js';
import { NO_RETRY, withRetry, type RetryPolicy } from '../../lib/retry.js';
import type { RhOutputsResult, RhRunResult, RunningHubClient } from '../types.js';
import { DEFAULT_DOWNLOAD_HOSTS, hostMatcher } from './download-hosts.js';

export interface HttpRunningHubClientOptions {
  /** e.g. https://www.runninghub.cn (a path prefix is kept, e.g. http://127.0.0.1:8080/sandbox/runninghub) */
  baseUrl: string;
  apiKey: string;
  webappId: string;
  /** per API request, default 30 s */
  timeoutMs?: number;
  /**
   * Host patterns `download` may fetch from (download-hosts.ts). Default: the base URL's host and
   * DEFAULT_DOWNLOAD_HOSTS (rh-images.xiaoyaoyou.com, RunningHub's COS buckets, *.runninghub.cn, *.runninghub.ai).
   */
  allowedDownloadHosts?: string[];
  /** default 30 MB */
  maxDownloadBytes?: number;
  /** per download, default 60 s */
  downloadTimeoutMs?: number;
  /** retries of the calls that are safe to repeat (all but `run`, see `post`); default none */
  retry?: RetryPolicy;
}

/** Codes that mean "the queue or the concurrency limit is full: try again later". */
const QUEUE_FULL_CODES = new Set([421, 415, 814, 1003, 1520]);
const IMAGE_TYPES = new Set(['png', 'jpg', 'jpeg', 'webp', 'bmp', 'gif']);
const MAX_REDIRECTS = 3;
/** Submitting twice would start (and bill) two tasks: `run` is never resent; its caller fails the task instead. */
const RUN_PATH = '/task/openapi/ai-app/run';

interface Envelope {
  code: number;
  msg: string;
  data: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Long numeric task ids sent as JSON numbers would lose precision in JSON.parse: quote them first. */
function parseJsonKeepingIds(text: string): unknown {
  return JSON.parse(text.replace(/("taskId"\s*:\s*)(\d{16,})/g, '$1"$2"'));
}

export class HttpRunningHubClient implements RunningHubClient {
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly webappId: string;
  private readonly timeoutMs: number;
  private readonly allowedHost: (host: string, hostname: string) => boolean;
  private readonly maxDownloadBytes: number;
  private readonly downloadTimeoutMs: number;
  private readonly retry: RetryPolicy;

  constructor(opts: HttpRunningHubClientOptions) {
    this.retry = opts.retry ?? NO_RETRY;
    const base = new URL(opts.baseUrl);
    this.baseUrl = base.href.replace(/\/+$/, '');
    this.apiKey = opts.apiKey;
    this.webappId = String(opts.webappId);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.allowedHost = hostMatcher(opts.allowedDownloadHosts ?? [base.host, ...DEFAULT_DOWNLOAD_HOSTS]);
    this.maxDownloadBytes = opts.maxDownloadBytes ?? 30 * 1024 * 1024;
    this.downloadTimeoutMs = opts.downloadTimeoutMs ?? 60_000;
  }

  async run(nodeInfoList: { nodeId: string; fieldName: string; fieldValue: string }[]): Promise<RhRunResult> {
    const env = await this.post('/task/openapi/ai-app/run', {
      webappId: this.webappId,
      nodeInfoList: nodeInfoList.map((n) => ({
        nodeId: String(n.nodeId),
        fieldName: String(n.fieldName),
        fieldValue: String(n.fieldValue),
      })),
    });
    if (QUEUE_FULL_CODES.has(env.code)) return { kind: 'queue_full', code: env.code, msg: env.msg };
    if (env.code !== 0) return { kind: 'rejected', code: env.code, msg: env.msg };
    const data = isRecord(env.data) ? env.data : {};
    const nodeErrors = promptNodeErrors(data.promptTips);
    if (nodeErrors) return { kind: 'rejected', code: 433, msg: `VALIDATE_PROMPT_FAILED: ${nodeErrors}` };
    const taskId = data.taskId;
    if ((typeof taskId !== 'string' && typeof taskId !== 'number') || String(taskId) === '') {
      // The task may exist at RunningHub: never let the caller resubmit blindly.
      throw new VendorError('runninghub', 'run answered code 0 without a taskId', { retryable: false });
    }
    return { kind: 'started', taskId: String(taskId) };
  }

  async outputs(taskId: string): Promise<RhOutputsResult> {
    const env = await this.post('/task/openapi/outputs', { taskId: String(taskId) });
    switch (env.code) {
      case 0:
        // Success is `code == 0 and data` (RunningHub's "AI应用完整接入示例",
        // https://www.runninghub.cn/runninghub-api-doc-cn/doc-8287339): code 0 with no data
        // or an empty list is not done yet (the files are not listed), so the task is polled again until its timeout.
        if (env.data === null || env.data === undefined || (Array.isArray(env.data) && env.data.length === 0)) return { kind: 'running' };
        if (!Array.isArray(env.data)) break;
        return { kind: 'done', files: imageFilesInNodeOrder(env.data) };
      case 804:
        return { kind: 'running' };
      case 813:
        return { kind: 'queued' };
      case 805:
        return { kind: 'failed', reason: failureReason(env) };
      case 807:
        return { kind: 'not_found' };
    }
    throw new VendorError('runninghub', `outputs answered ${env.code} ${env.msg}`, {
      code: String(env.code),
      retryable: true,
    });
  }

  async cancel(taskId: string): Promise<void> {
    const env = await this.post('/task/openapi/cancel', { taskId: String(taskId) });
    if (env.code !== 0 && env.code !== 807) {
      throw new VendorError('runninghub', `cancel answered ${env.code} ${env.msg}`, { code: String(env.code), retryable: true });
    }
  }

  async status(taskId: string): Promise<string> {
    const env = await this.post('/task/openapi/status', { taskId: String(taskId) });
    if (env.code === 0 && typeof env.data === 'string') return env.data;
    throw new VendorError('runninghub', `status answered ${env.code} ${env.msg}`, {
      code: String(env.code),
      retryable: true,
    });
  }

  async upload(image: Buffer, filename: string): Promise<string> {
    const form = new FormData();
    form.append('apiKey', this.apiKey);
    form.append('file', new Blob([new Uint8Array(image)], { type: contentTypeFor(filename) }), filename);
    form.append('fileType', 'input');
    const env = await this.send('/task/openapi/upload', form);
    const fileName = isRecord(env.data) ? env.data.fileName : undefined;
    if (env.code === 0 && typeof fileName === 'string' && fileName !== '') return fileName;
    throw new VendorError('runninghub', `upload answered ${env.code} ${env.msg}`, {
      code: String(env.code),
      retryable: env.code !== 809 && env.code !== 802,
    });
  }

  /** A GET, safe to repeat: a transport error, a 5xx or a 429 is tried again (a new timeout each time). */
  download(url: string): Promise<Buffer> {
    return withRetry(this.retry, () => this.downloadOnce(url));
  }

  private async downloadOnce(url: string): Promise<Buffer> {
    const signal = AbortSignal.timeout(this.downloadTimeoutMs);
    let current = this.checkDownloadUrl(url);
    for (let hop = 0; ; hop++) {
      let res: Response;
      try {
        res = await fetch(current, { redirect: 'manual', signal });
      } catch (err) {
        throw new VendorError('runninghub', `download failed: ${errorText(err)}`, { retryable: true }, { cause: err });
      }
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        await res.body?.cancel();
        if (hop >= MAX_REDIRECTS) throw new VendorError('runninghub', 'download: too many redirects', { retryable: false });
        current = this.checkDownloadUrl(new URL(res.headers.get('location')!, current).href);
        continue;
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new VendorError('runninghub', `download answered HTTP ${res.status}`, {
          status: res.status,
          retryable: res.status >= 500 || res.status === 429,
        });
      }
      return this.readCapped(res);
    }
  }

  /** Throws unless `url` is http(s) on an allowed host. */
  private checkDownloadUrl(url: string): URL {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new VendorError('runninghub', 'download: invalid URL', { retryable: false });
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new VendorError('runninghub', `download: protocol ${u.protocol} not allowed`, { retryable: false });
    }
    if (!this.allowedHost(u.host.toLowerCase(), u.hostname.toLowerCase())) {
      // never retried: the same URL would be refused again
      throw new VendorError('runninghub', `download: host ${u.host} not allowed`, { retryable: false });
    }
    return u;
  }

  private async readCapped(res: Response): Promise<Buffer> {
    const declared = Number(res.headers.get('content-length'));
    if (declared > this.maxDownloadBytes) {
      await res.body?.cancel();
      throw new VendorError('runninghub', `download larger than ${this.maxDownloadBytes} bytes`, { retryable: false });
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body ?? []) {
        size += chunk.byteLength;
        if (size > this.maxDownloadBytes) {
          await res.body?.cancel().catch(() => undefined);
          throw new VendorError('runninghub', `download larger than ${this.maxDownloadBytes} bytes`, { retryable: false });
        }
        chunks.push(chunk);
      }
    } catch (err) {
      if (err instanceof VendorError) throw err;
      throw new VendorError('runninghub', `download failed: ${errorText(err)}`, { retryable: true }, { cause: err });
    }
    return Buffer.concat(chunks);
  }

  /** outputs, status and cancel are reads or idempotent, and are tried again after a transport error or a non-200. */
  private post(path: string, body: Record<string, unknown>): Promise<Envelope> {
    const once = (): Promise<Envelope> => this.send(path, JSON.stringify({ apiKey: this.apiKey, ...body }), 'application/json');
    return path === RUN_PATH ? once() : withRetry(this.retry, once);
  }

  /**
   * One API call. `fetch` sets the Host header from the URL, which is the base URL's host as the docs require
   * (an explicit Host header would be dropped by fetch anyway).
   */
  private async send(path: string, body: string | FormData, contentType?: string): Promise<Envelope> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.apiKey}`, Accept: 'application/json' };
    if (contentType) headers['Content-Type'] = contentType;
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.baseUrl + path, {
        method: 'POST',
        headers,
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      throw new VendorError('runninghub', `${path}: ${errorText(err)}`, { retryable: true }, { cause: err });
    }
    if (res.status !== 200) {
      throw new VendorError('runninghub', `${path}: HTTP ${res.status}`, { status: res.status, retryable: true });
    }
    let parsed: unknown;
    try {
      parsed = parseJsonKeepingIds(text);
    } catch (err) {
      throw new VendorError('runninghub', `${path}: response is not JSON`, { status: 200, retryable: true }, { cause: err });
    }
    if (!isRecord(parsed) || typeof parsed.code !== 'number') {
      throw new VendorError('runninghub', `${path}: response has no numeric code`, { status: 200, retryable: true });
    }
    return { code: parsed.code, msg: typeof parsed.msg === 'string' ? parsed.msg : '', data: parsed.data };
  }
}

/** A short description of `promptTips.node_errors` when it is non-empty, else null. */
function promptNodeErrors(promptTips: unknown): string | null {
  let tips: unknown = promptTips;
  if (typeof tips === 'string') {
    if (tips.trim() === '') return null;
    try {
      tips = JSON.parse(tips);
    } catch {
      return null;
    }
  }
  if (!isRecord(tips)) return null;
  const errors = tips.node_errors;
  if (errors === null || errors === undefined) return null;
  if (isRecord(errors) && Object.keys(errors).length === 0) return null;
  if (Array.isArray(errors) && errors.length === 0) return null;
  return JSON.stringify(errors).slice(0, 300);
}

/** Image outputs of a successful task, stably sorted by nodeId (numeric-aware). */
export function imageFilesInNodeOrder(data: unknown[]): { fileUrl: string; fileType: string; nodeId: string }[] {
  const files: { fileUrl: string; fileType: string; nodeId: string }[] = [];
  for (const item of data) {
    if (!isRecord(item) || typeof item.fileUrl !== 'string' || item.fileUrl === '') continue;
    const fileType = typeof item.fileType === 'string' && item.fileType !== '' ? item.fileType : extensionOf(item.fileUrl);
    if (!IMAGE_TYPES.has(fileType.toLowerCase())) continue;
    const nodeId = typeof item.nodeId === 'string' || typeof item.nodeId === 'number' ? String(item.nodeId) : '';
    files.push({ fileUrl: item.fileUrl, fileType: fileType.toLowerCase(), nodeId });
  }
  return files.sort((a, b) => a.nodeId.localeCompare(b.nodeId, 'en', { numeric: true }));
}

/** A short readable reason from 805's `data.failedReason` (an object, or sometimes a JSON string). */
function failureReason(env: Envelope): string {
  let fr: unknown = isRecord(env.data) ? env.data.failedReason : undefined;
  if (typeof fr === 'string') {
    const raw = fr;
    try {
      fr = JSON.parse(raw);
    } catch {
      return clip(raw) || env.msg || 'task failed';
    }
  }
  if (!isRecord(fr)) return env.msg || 'task failed';
  const message = typeof fr.exception_message === 'string' ? fr.exception_message.trim().split('\n')[0]! : '';
  const node = typeof fr.node_name === 'string' ? fr.node_name.trim() : '';
  const type = typeof fr.exception_type === 'string' ? fr.exception_type.trim() : '';
  const text = [node, message || type].filter(Boolean).join(': ');
  return clip(text) || env.msg || 'task failed';
}

const clip = (s: string): string => (s.length > 200 ? `${s.slice(0, 197)}...` : s);

function extensionOf(url: string): string {
  try {
    const m = /\.([a-z0-9]+)$/i.exec(new URL(url).pathname);
    return m ? m[1]! : '';
  } catch {
    return '';
  }
}

function contentTypeFor(filename: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase();
  if (ext === 'png') return 'image/png';
  if (ext === 'webp') return 'image/webp';
  if (ext === 'jpg' || ext === 'jpeg') return 'image/jpeg';
  return 'application/octet-stream';
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.name === 'TimeoutError' ? 'timed out' : err.message;
  return String(err);
}
