// Preloaded with `node --import` into a built server by the build tests: any attempt to load tsx or esbuild (by
// `import` or `require`) is refused and written to the file NO_BUILD_TOOLS_LOG names; the file's first line shows
// the guard was active.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const log = process.env.NO_BUILD_TOOLS_LOG;
if (!log) throw new Error('NO_BUILD_TOOLS_LOG is not set');
const BLOCKED = /^(tsx|esbuild)(\/|$)/;
appendFileSync(log, `active ${process.pid}\n`);

const hooks = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  if (${BLOCKED}.test(specifier)) {
    appendFileSync(log, 'blocked import ' + specifier + '\\n');
    throw new Error('loading ' + specifier + ' at run time is not allowed');
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { log } });

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (BLOCKED.test(request)) {
    appendFileSync(log, `blocked require ${request}\n`);
    throw new Error(`loading ${request} at run time is not allowed`);
  }
  return resolveFilename.call(this, request, ...rest);
};
