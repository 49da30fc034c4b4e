/** Persisted state of the RunningHub emulator and the task timeline derived from stored timestamps. */

export type RhMode = 'success' | 'fail' | 'hang';

export interface RhBehaviour {
  mode: RhMode;
  /** total time from run to the final answer (success/fail); default 1500 ms */
  delayMs?: number;
  /** the next n run calls answer 421 TASK_QUEUE_MAXED */
  queueFullTimes?: number;
  /** every outputs answer is held back this long (a slow vendor); default 0 */
  outputsDelayMs?: number;
  /**
   * for this long after a task succeeded, outputs answers code 0 with an empty `data` (the files are not listed yet);
   * default 0
   */
  emptyOutputsMs?: number;
  /**
   * where the output files of tasks started afterwards are served from: `api` (the API's own origin, as
   * rh-images.xiaoyaoyou.com stands for) or `bucket` (a second listener standing for RunningHub's COS bucket)
   */
  outputOrigin?: RhOutputOrigin;
  /** the next n output file downloads answer HTTP 503 */
  downloadFailures?: number;
}

export type RhOutputOrigin = 'api' | 'bucket';

/** The shape RunningHub puts in `data.failedReason` of an 805 answer. */
export interface RhFailedReason {
  node_id: string;
  node_name: string;
  exception_type: string;
  exception_message: string;
  traceback: string[];
  current_inputs: Record<string, unknown>;
  current_outputs: Record<string, unknown>;
}

export type RhTaskResult =
  | { ok: true; /** output nodeIds in the order outputs answers them */ nodeIds: string[]; finishedAt: number }
  | { ok: false; reason: RhFailedReason };

export interface RhTask {
  createdAt: number;
  mode: RhMode;
  delayMs: number;
  /** the image node's fieldValue: an http(s) URL or a fileName from the upload route */
  image: string;
  emptyOutputsMs?: number;
  outputOrigin?: RhOutputOrigin;
  cancelled?: boolean;
  /** set once the outputs are rendered (or the input could not be used) */
  result?: RhTaskResult;
}

export interface RhStats {
  run: number;
  queries: number;
  byTask: Record<string, { queries: number }>;
  /** cancel calls, in all and per known task */
  cancel: number;
  cancels: Record<string, number>;
}

export interface RhState {
  behaviour: { mode: RhMode; delayMs: number; outputsDelayMs: number; emptyOutputsMs: number; outputOrigin: RhOutputOrigin };
  queueFullLeft: number;
  downloadFailuresLeft: number;
  stats: RhStats;
  tasks: Record<string, RhTask>;
  /** fileName (as returned by upload) → file name under the uploads directory */
  uploads: Record<string, string>;
}

export const DEFAULT_DELAY_MS = 1500;

export function initialState(): RhState {
  return {
    behaviour: { mode: 'success', delayMs: DEFAULT_DELAY_MS, outputsDelayMs: 0, emptyOutputsMs: 0, outputOrigin: 'api' },
    queueFullLeft: 0,
    downloadFailuresLeft: 0,
    stats: { run: 0, queries: 0, byTask: {}, cancel: 0, cancels: {} },
    tasks: {},
    uploads: {},
  };
}

export type RhPhase = 'QUEUED' | 'RUNNING' | 'SUCCESS' | 'FAILED';

/** A task is QUEUED for the first quarter of its delay, then RUNNING until the delay is over. */
export function taskPhase(task: RhTask, now: number): RhPhase {
  if (task.cancelled) return 'FAILED';
  const elapsed = now - task.createdAt;
  if (elapsed < task.delayMs / 4) return 'QUEUED';
  if (task.mode === 'hang' || elapsed < task.delayMs) return 'RUNNING';
  if (task.mode === 'fail') return 'FAILED';
  if (!task.result) return 'RUNNING'; // outputs still being rendered
  return task.result.ok ? 'SUCCESS' : 'FAILED';
}

export function behaviourFailure(): RhFailedReason {
  return {
    node_id: '3',
    node_name: 'KSampler',
    exception_type: 'RuntimeError',
    exception_message: 'Sandbox: the AI app failed (emulator behaviour "fail")',
    traceback: ['  File "execution.py", line 323, in execute', 'RuntimeError: sandbox failure'],
    current_inputs: {},
    current_outputs: {},
  };
}

export function cancelledFailure(): RhFailedReason {
  return { ...behaviourFailure(), exception_type: 'InterruptedError', exception_message: 'Task cancelled' };
}
