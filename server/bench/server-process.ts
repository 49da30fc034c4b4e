/**
 * The server under benchmark, in its own process (so that the load generator does not share its event loop): the
 * real app from the environment the bench gives it, without the job runner (the created tasks are not worked on:
 * the benchmark measures the request paths). Tells the parent its URL over IPC.
 */
import { startServer } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const config = loadConfig(process.env);
const running = await startServer(config, { jobs: false });
process.send?.({ url: running.url });
// the parent asks for this process's CPU time (µs) and memory between loads
process.on('message', (m: unknown) => {
  if (m === 'usage') {
    const cpu = process.cpuUsage();
    process.send?.({ usage: { cpuMicros: cpu.user + cpu.system, memory: process.memoryUsage() } });
  }
});
process.on('disconnect', () => {
  void running.close().finally(() => process.exit(0));
});
