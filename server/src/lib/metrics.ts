/**
 * Prometheus metrics (prom-client), one registry per server (tests run several servers in one process):
 *  - aizhao_http_request_duration_seconds{method,route,status_class}: by route pattern (`/task/:id`), never the raw
 *    URL, so the number of series stays bounded; unmatched paths are `route="unmatched"`;
 *  - aizhao_vendor_call_duration_seconds{vendor,operation,outcome}: every call of a vendor client (see
 *    instrumentVendors), outcome ok | vendor_error | error;
 *  - aizhao_payment_callbacks_total{outcome}: WeChat Pay notifications, accepted (204) | rejected (4xx) | error (5xx);
 *  - aizhao_tasks_in_flight{type,stage}: tasks still processing, counted in the database at scrape time (one
 *    GROUP BY on the status/stage index);
 *  - aizhao_ledger_mismatch_users / aizhao_ledger_check_timestamp_seconds: the last periodic ledger check
 *    (jobs/ledger-check.ts);
 *  - aizhao_process_info{pid,pm2_instance} and the process metrics of prom-client (memory, event loop lag, GC),
 *    prefixed aizhao_.
 * PM2 cluster mode: each process has its own registry and PM2's master is not ours, so prom-client's
 * AggregatorRegistry (which aggregates in the `cluster` primary) cannot run there; set METRICS_PORT and each process
 * also serves /metrics on 127.0.0.1:METRICS_PORT+NODE_APP_INSTANCE for Prometheus to scrape every one.
 */
import type { Request, RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Vendors } from '../context.js';
import { VendorError } from './errors.js';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_class'>;
  vendorDuration: Histogram<'vendor' | 'operation' | 'outcome'>;
  paymentCallbacks: Counter<'outcome'>;
  tasksInFlight: Gauge<'type' | 'stage'>;
  ledgerMismatchUsers: Gauge;
  ledgerCheckedAt: Gauge;
}

export const PAYMENT_CALLBACK_ROUTE = '/membership/payment-callback';

/** `countTasks` is read at every scrape. */
export function createMetrics(countTasks: () => Promise<{ type: string; stage: string; n: number }[]>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'aizhao_' });
  new Gauge({
    name: 'aizhao_process_info',
    help: 'This server process: its pid and PM2 cluster instance number (NODE_APP_INSTANCE)',
    labelNames: ['pid', 'pm2_instance'],
    registers: [registry],
  }).set({ pid: String(process.pid), pm2_instance: process.env.NODE_APP_INSTANCE ?? '' }, 1);
  return {
    registry,
    httpDuration: new Histogram({
      name: 'aizhao_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern and status class',
      labelNames: ['method', 'route', 'status_class'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    vendorDuration: new Histogram({
      name: 'aizhao_vendor_call_duration_seconds',
      help: 'Vendor call latency by vendor, operation and outcome',
      labelNames: ['vendor', 'operation', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    paymentCallbacks: new Counter({
      name: 'aizhao_payment_callbacks_total',
      help: 'WeChat Pay notifications by outcome (accepted, rejected, error)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    tasksInFlight: new Gauge({
      name: 'aizhao_tasks_in_flight',
      help: 'Tasks still processing, by type and stage (read from the database at scrape time)',
      labelNames: ['type', 'stage'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await countTasks()) this.set({ type: r.type, stage: r.stage }, r.n);
      },
    }),
    ledgerMismatchUsers: new Gauge({
      name: 'aizhao_ledger_mismatch_users',
      help: 'Users whose balance is not the sum of their quota ledger (last periodic check; must be 0)',
      registers: [registry],
    }),
    ledgerCheckedAt: new Gauge({
      name: 'aizhao_ledger_check_timestamp_seconds',
      help: 'When the ledger invariant was last checked (Unix time)',
      registers: [registry],
    }),
  };
}

/**
 * The route pattern of a request (`/admin/api/users/:id`); `/admin/api/*` for one answered inside a mounted router
 * before a route matched (e.g. not signed in); else `unmatched`.
 */
function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (path === undefined) return req.baseUrl ? `${req.baseUrl}/*` : 'unmatched';
  const pattern = Array.isArray(path) ? String(path[0]) : String(path);
  return `${req.baseUrl}${pattern}`;
}

/** Express middleware timing every request of our API (mounted after the sandbox emulators: vendor traffic is not ours). */
export function httpMetrics(m: Metrics): RequestHandler {
  return (req, res, next) => {
    const end = m.httpDuration.startTimer();
    res.once('finish', () => {
      const route = routeOf(req);
      end({ method: req.method, route, status_class: `${Math.floor(res.statusCode / 100)}xx` });
      if (route === PAYMENT_CALLBACK_ROUTE && req.method === 'POST') {
        m.paymentCallbacks.inc({ outcome: res.statusCode < 300 ? 'accepted' : res.statusCode < 500 ? 'rejected' : 'error' });
      }
    });
    next();
  };
}

const VENDOR_LABELS: Partial<Record<keyof Vendors, string>> = {
  storage: 'cos',
  sts: 'sts',
  imageProcessor: 'ci',
  auditor: 'ci',
  sms: 'sms',
  wechat: 'wechatpay',
  alipay: 'alipay',
  runninghub: 'runninghub',
};
/** operations computed here without a call to the vendor */
const LOCAL_OPERATIONS = new Set(['signedGetUrl', 'verifyNotification']);

/**
 * Times every call of the vendor clients (the one place all vendor calls pass), whatever each client does inside
 * (retries, timeouts): the client objects are wrapped, their code is unchanged.
 */
export function instrumentVendors(vendors: Vendors, m: Metrics): Vendors {
  const wrapped = { ...vendors };
  for (const [key, vendor] of Object.entries(VENDOR_LABELS) as [keyof Vendors, string][]) {
    const client = vendors[key] as object | null;
    if (!client) continue; // a channel that is off
    (wrapped as Record<string, unknown>)[key] = new Proxy(client, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function' || typeof prop !== 'string' || LOCAL_OPERATIONS.has(prop) || prop === 'constructor') return value;
        return (...args: unknown[]) => {
          const end = m.vendorDuration.startTimer({ vendor, operation: prop });
          const result: unknown = Reflect.apply(value as (...a: unknown[]) => unknown, target, args);
          if (!(result instanceof Promise)) return result;
          return result.then(
            (v: unknown) => {
              end({ outcome: 'ok' });
              return v;
            },
            (err: unknown) => {
              end({ outcome: err instanceof VendorError ? 'vendor_error' : 'error' });
              throw err;
            },
          );
        };
      },
    });
  }
  return wrapped;
}
