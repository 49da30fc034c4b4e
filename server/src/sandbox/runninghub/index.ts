/**
 * Emulator of RunningHub's legacy AI-app OpenAPI, mounted at /sandbox/runninghub of the sandbox server.
 * API answers are always HTTP 200 `{code,msg,data}`. Task timing derives from stored timestamps, and tasks,
 * stats, behaviour, uploads and rendered outputs live under DATA_DIR/sandbox/, so a restart keeps them.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import { JsonStore } from '../json-store.js';
import type { SandboxSecrets } from '../secrets.js';
import { InputImageError, loadInputImage, renderOutputs, shuffledNodeIds } from './render.js';
import {
  DEFAULT_DELAY_MS,
  behaviourFailure,
  cancelledFailure,
  initialState,
  taskPhase,
  type RhBehaviour,
  type RhFailedReason,
  type RhState,
  type RhStats,
  type RhTask,
} from './state.js';

export type { RhBehaviour, RhMode, RhOutputOrigin, RhStats } from './state.js';

export interface RunningHubEmulatorOptions {
  dataDir: string;
  secrets: SandboxSecrets['runninghub'];
  /** the app's input nodes, each 'nodeId:fieldName' */
  nodes: { prompt: string; image: string; seed: string };
  now?: () => number;
}

export interface RunningHubEmulator {
  /** mount at /sandbox/runninghub, before any body parser */
  router: Router;
  /** applies to tasks started afterwards (outputsDelayMs and downloadFailures at once) */
  setBehaviour(b: RhBehaviour): void;
  stats(): RhStats;
  /** run calls and status/outputs queries as they arrived, by this emulator's clock (kept in memory, not persisted) */
  timeline(): { op: 'run' | 'query'; taskId: string; at: number }[];
  /** closes the second origin (the COS bucket stand-in) if it was started */
  stop(): Promise<void>;
}

const MAX_UPLOAD_BYTES = 30 * 1024 * 1024;
const UPLOAD_TYPES = new Set(['.jpg', '.jpeg', '.png', '.webp']);

type Answer = { code: number; msg: string; data: unknown };
const answer = (code: number, msg: string, data: unknown = null): Answer => ({ code, msg, data });

function parseNode(spec: string): { nodeId: string; fieldName: string } {
  const i = spec.indexOf(':');
  if (i <= 0 || i === spec.length - 1) throw new Error(`RunningHub node must be 'nodeId:fieldName', got '${spec}'`);
  return { nodeId: spec.slice(0, i), fieldName: spec.slice(i + 1) };
}

function jsonBody(req: Request): Record<string, unknown> | null {
  if (!Buffer.isBuffer(req.body) || req.body.length === 0) return null;
  try {
    const v: unknown = JSON.parse(req.body.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function createRunningHubEmulator(opts: RunningHubEmulatorOptions): RunningHubEmulator {
  const now = opts.now ?? Date.now;
  const root = join(opts.dataDir, 'sandbox', 'runninghub');
  const uploadsDir = join(root, 'uploads');
  mkdirSync(uploadsDir, { recursive: true });
  const store = new JsonStore<RhState>(join(opts.dataDir, 'sandbox', 'runninghub.json'), initialState);
  // state written by an older emulator lacks the newer fields
  if (store.value.downloadFailuresLeft === undefined || store.value.stats.cancels === undefined) {
    store.update((s) => {
      const fresh = initialState();
      s.behaviour = { ...fresh.behaviour, ...s.behaviour };
      s.downloadFailuresLeft ??= 0;
      s.stats = { ...fresh.stats, ...s.stats };
    });
  }
  const nodes = { prompt: parseNode(opts.nodes.prompt), image: parseNode(opts.nodes.image), seed: parseNode(opts.nodes.seed) };
  const allowedFields = new Set(Object.values(nodes).map((n) => `${n.nodeId}\u0000${n.fieldName}`));
  const rendering = new Map<string, Promise<void>>();

  const outputDir = (taskId: string) => join(root, taskId);
  const uploadedFile = (fileName: string) => {
    const stored = store.value.uploads[fileName];
    return stored ? join(uploadsDir, stored) : null;
  };

  /** Loads the input and renders the outputs once per task (again after a restart if it was cut short). */
  function ensureRendered(taskId: string): void {
    const task = store.value.tasks[taskId];
    if (!task || task.mode !== 'success' || task.result || rendering.has(taskId)) return;
    const job = (async () => {
      let result: RhTask['result'];
      try {
        const input = await loadInputImage(task.image, uploadedFile);
        await renderOutputs(input, outputDir(taskId));
        result = { ok: true, nodeIds: shuffledNodeIds(taskId), finishedAt: now() };
      } catch (err) {
        result = { ok: false, reason: inputFailure(err) };
      }
      store.update((s) => {
        s.tasks[taskId]!.result = result;
      });
    })().finally(() => rendering.delete(taskId));
    rendering.set(taskId, job);
  }

  function inputFailure(err: unknown): RhFailedReason {
    const known = err instanceof InputImageError;
    return {
      node_id: nodes.image.nodeId,
      node_name: 'LoadImage',
      exception_type: known ? err.exceptionType : 'RuntimeError',
      exception_message: known ? err.message : `Sandbox render failed: ${(err as Error).message}`,
      traceback: [],
      current_inputs: { [nodes.image.fieldName]: [] },
      current_outputs: {},
    };
  }

  function newTaskId(): string {
    for (;;) {
      const id = String(randomInt(1, 10)) + Array.from({ length: 18 }, () => randomInt(0, 10)).join('');
      if (!store.value.tasks[id]) return id;
    }
  }

  /** Returns an error answer when nodeInfoList does not match the app's nodes, else the image node's value. */
  function checkNodeInfo(list: unknown): { error: Answer } | { image: string } {
    const invalid = { error: answer(803, 'APIKEY_INVALID_NODE_INFO') };
    if (!Array.isArray(list) || list.length === 0) return invalid;
    const seen = new Set<string>();
    let image = '';
    for (const item of list as unknown[]) {
      if (typeof item !== 'object' || item === null) return invalid;
      const { nodeId, fieldName, fieldValue } = item as Record<string, unknown>;
      if (typeof nodeId !== 'string' || typeof fieldName !== 'string' || typeof fieldValue !== 'string') return invalid;
      const key = `${nodeId}\u0000${fieldName}`;
      if (!allowedFields.has(key)) return invalid;
      seen.add(key);
      if (nodeId === nodes.image.nodeId && fieldName === nodes.image.fieldName) image = fieldValue;
    }
    return seen.size === allowedFields.size ? { image } : invalid;
  }

  const events: { op: 'run' | 'query'; taskId: string; at: number }[] = [];
  function run(body: Record<string, unknown>): Answer {
    store.update((s) => {
      s.stats.run++;
    });
    if (body.apiKey !== opts.secrets.apiKey) return answer(802, 'APIKEY_UNAUTHORIZED');
    if (body.webappId !== opts.secrets.webappId) return answer(901, 'WEBAPP_NOT_EXISTS');
    const checked = checkNodeInfo(body.nodeInfoList);
    if ('error' in checked) return checked.error;
    if (store.value.queueFullLeft > 0) {
      store.update((s) => {
        s.queueFullLeft--;
      });
      return answer(421, 'TASK_QUEUE_MAXED');
    }
    const taskId = newTaskId();
    store.update((s) => {
      const b = s.behaviour;
      s.tasks[taskId] = {
        createdAt: now(),
        mode: b.mode,
        delayMs: b.delayMs,
        image: checked.image,
        ...(b.emptyOutputsMs ? { emptyOutputsMs: b.emptyOutputsMs } : {}),
        ...(b.outputOrigin !== 'api' ? { outputOrigin: b.outputOrigin } : {}),
      };
      s.stats.byTask[taskId] = { queries: 0 };
    });
    events.push({ op: 'run', taskId, at: now() });
    ensureRendered(taskId);
    return answer(0, 'success', {
      netWssUrl: null,
      taskId,
      clientId: randomBytes(16).toString('hex'),
      taskStatus: 'QUEUED',
      promptTips: JSON.stringify({ result: true, error: null, outputs_to_execute: ['8'], node_errors: {} }),
    });
  }

  /** Counts a status/outputs query and returns the task, or an error answer. */
  function queriedTask(body: Record<string, unknown>): { taskId: string; task: RhTask } | { error: Answer } {
    const taskId = typeof body.taskId === 'string' || typeof body.taskId === 'number' ? String(body.taskId) : '';
    const task = store.value.tasks[taskId];
    if (task) events.push({ op: 'query', taskId, at: now() });
    store.update((s) => {
      s.stats.queries++;
      if (task) s.stats.byTask[taskId] = { queries: (s.stats.byTask[taskId]?.queries ?? 0) + 1 };
    });
    if (body.apiKey !== opts.secrets.apiKey) return { error: answer(802, 'APIKEY_UNAUTHORIZED') };
    if (!task) return { error: answer(807, 'APIKEY_TASK_NOT_FOUND') };
    ensureRendered(taskId);
    return { taskId, task };
  }

  function failedReason(task: RhTask): RhFailedReason {
    if (task.cancelled) return cancelledFailure();
    if (task.result && !task.result.ok) return task.result.reason;
    return behaviourFailure();
  }

  async function outputs(body: Record<string, unknown>, apiOrigin: string): Promise<Answer> {
    const q = queriedTask(body);
    const delayMs = store.value.behaviour.outputsDelayMs;
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    if ('error' in q) return q.error;
    const { taskId, task } = q;
    switch (taskPhase(task, now())) {
      case 'QUEUED':
        return answer(813, 'APIKEY_TASK_IS_QUEUED');
      case 'RUNNING':
        return answer(804, 'APIKEY_TASK_IS_RUNNING');
      case 'FAILED':
        return answer(805, 'APIKEY_TASK_STATUS_ERROR', { failedReason: failedReason(task) });
      case 'SUCCESS': {
        const result = task.result as Extract<RhTask['result'], { ok: true }>;
        // finished, but the files are not listed yet: code 0 with an empty data
        if (task.emptyOutputsMs && now() - Math.max(result.finishedAt, task.createdAt + task.delayMs) < task.emptyOutputsMs) {
          return answer(0, 'success', []);
        }
        const cost = String(Math.max(0, Math.round((result.finishedAt - task.createdAt) / 1000)));
        const origin = task.outputOrigin === 'bucket' ? await bucketOrigin() : apiOrigin;
        return answer(
          0,
          'success',
          result.nodeIds.map((nodeId) => ({
            fileUrl: `${origin}/output/${taskId}/${nodeId}.png`,
            fileType: 'png',
            taskCostTime: cost,
            nodeId,
          })),
        );
      }
    }
  }

  function status(body: Record<string, unknown>): Answer {
    const q = queriedTask(body);
    if ('error' in q) return q.error;
    return answer(0, '', taskPhase(q.task, now()));
  }

  function cancel(body: Record<string, unknown>): Answer {
    if (body.apiKey !== opts.secrets.apiKey) return answer(802, 'APIKEY_UNAUTHORIZED');
    const taskId = typeof body.taskId === 'string' ? body.taskId : String(body.taskId ?? '');
    const task = store.value.tasks[taskId];
    store.update((s) => {
      s.stats.cancel++;
      if (task) s.stats.cancels[taskId] = (s.stats.cancels[taskId] ?? 0) + 1;
    });
    if (!task) return answer(807, 'APIKEY_TASK_NOT_FOUND');
    const phase = taskPhase(task, now());
    if (phase !== 'SUCCESS' && phase !== 'FAILED') {
      store.update((s) => {
        s.tasks[taskId]!.cancelled = true;
      });
    }
    return answer(0, 'success');
  }

  async function upload(req: Request): Promise<Answer> {
    const contentType = req.get('content-type') ?? '';
    if (!Buffer.isBuffer(req.body) || !contentType.toLowerCase().startsWith('multipart/form-data')) {
      return answer(301, 'PARAMS_INVALID');
    }
    let form: FormData;
    try {
      form = await new globalThis.Response(new Uint8Array(req.body), { headers: { 'content-type': contentType } }).formData();
    } catch {
      return answer(301, 'PARAMS_INVALID');
    }
    if (form.get('apiKey') !== opts.secrets.apiKey) return answer(802, 'APIKEY_UNAUTHORIZED');
    const file = form.get('file');
    if (file === null || typeof file === 'string') return answer(301, 'PARAMS_INVALID');
    if (file.size > MAX_UPLOAD_BYTES) return answer(809, 'APIKEY_FILE_SIZE_EXCEEDED');
    const ext = extname(file.name).toLowerCase();
    if (!UPLOAD_TYPES.has(ext)) return answer(808, 'APIKEY_UPLOAD_FAILED');
    const stored = `${randomBytes(16).toString('hex')}${ext}`;
    writeFileSync(join(uploadsDir, stored), Buffer.from(await file.arrayBuffer()));
    const fileName = `api/${stored}`;
    store.update((s) => {
      s.uploads[fileName] = stored;
    });
    return answer(0, 'success', { fileName, fileType: 'input' });
  }

  /** GET /output/<taskId>/<nodeId>.png on either origin */
  const outputFile = (req: Request, res: Response) => {
    const taskId = String(req.params.taskId);
    const file = String(req.params.file);
    if (!/^\d{19}$/.test(taskId) || !/^\d{1,4}\.png$/.test(file)) {
      res.status(404).end();
      return;
    }
    if (store.value.downloadFailuresLeft > 0) {
      store.update((s) => {
        s.downloadFailuresLeft--;
      });
      res.status(503).end();
      return;
    }
    readFile(join(outputDir(taskId), file)).then(
      (png) => void res.status(200).type('image/png').send(png),
      () => void res.status(404).end(),
    );
  };

  /**
   * The second origin, standing for RunningHub's COS bucket (`<name>-1252422369.cos.<region>.myqcloud.com`): a
   * listener on the loopback interface, addressed as `localhost` so that its host differs from the API's.
   */
  let bucket: Promise<{ server: http.Server; origin: string }> | null = null;
  function bucketOrigin(): Promise<string> {
    bucket ??= new Promise((resolve, reject) => {
      const app = express();
      app.get('/output/:taskId/:file', outputFile);
      const server = http.createServer(app);
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://localhost:${(server.address() as AddressInfo).port}` }));
    });
    return bucket.then((b) => b.origin);
  }

  const router = express.Router();
  router.use(express.raw({ type: () => true, limit: '64mb' }));
  const api = (handler: (body: Record<string, unknown>, req: Request) => Answer | Promise<Answer>) => (req: Request, res: Response) => {
    const body = jsonBody(req);
    if (!body) {
      res.status(200).json(answer(301, 'PARAMS_INVALID'));
      return;
    }
    Promise.resolve(handler(body, req)).then(
      (a) => void res.status(200).json(a),
      () => void res.status(200).json(answer(500, 'UNKNOWN_ERROR')),
    );
  };
  const origin = (req: Request) => `${req.protocol}://${req.get('host')}${req.baseUrl}`;

  router.post('/task/openapi/ai-app/run', api(run));
  router.post('/task/openapi/outputs', api((body, req) => outputs(body, origin(req))));
  router.post('/task/openapi/status', api(status));
  router.post('/task/openapi/cancel', api(cancel));
  router.post('/task/openapi/upload', async (req, res) => {
    res.status(200).json(await upload(req));
  });
  router.get('/output/:taskId/:file', outputFile);
  router.use((err: unknown, _req: Request, res: Response, _next: express.NextFunction) => {
    const status = (err as { status?: number }).status;
    if (status === 413) res.status(200).json(answer(809, 'APIKEY_FILE_SIZE_EXCEEDED'));
    else res.status(200).json(answer(500, 'UNKNOWN_ERROR'));
  });

  return {
    router,
    setBehaviour(b) {
      if (b.mode !== 'success' && b.mode !== 'fail' && b.mode !== 'hang') throw new Error(`unknown mode ${String(b.mode)}`);
      const outputOrigin = b.outputOrigin ?? 'api';
      if (outputOrigin !== 'api' && outputOrigin !== 'bucket') throw new Error(`unknown outputOrigin ${String(outputOrigin)}`);
      const ms = (name: string, v: number | undefined, fallback: number): number => {
        const value = v ?? fallback;
        if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
        return value;
      };
      const behaviour = {
        mode: b.mode,
        delayMs: ms('delayMs', b.delayMs, DEFAULT_DELAY_MS),
        outputsDelayMs: ms('outputsDelayMs', b.outputsDelayMs, 0),
        emptyOutputsMs: ms('emptyOutputsMs', b.emptyOutputsMs, 0),
        outputOrigin,
      };
      store.update((s) => {
        s.behaviour = behaviour;
        s.queueFullLeft = Math.max(0, Math.floor(b.queueFullTimes ?? 0));
        s.downloadFailuresLeft = Math.max(0, Math.floor(b.downloadFailures ?? 0));
      });
    },
    stats() {
      return structuredClone(store.value.stats);
    },
    timeline: () => [...events],
    async stop() {
      const b = await bucket?.catch(() => null);
      bucket = null;
      if (!b) return;
      b.server.closeAllConnections();
      await new Promise<void>((resolve) => b.server.close(() => resolve()));
    },
  };
}
