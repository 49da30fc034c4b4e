// Runs Doyensec's Electronegativity over the built app (desktop/out, or the folder given) and prints its findings
// as JSON lines; exits 1 when any finding is HIGH (the CLI itself always exits 0). Used by the test suite and by
// `npm run --workspace @aizhao/desktop scan`.
//
// It calls the scanner's runner directly: its CLI breaks with the commander version npm hoists here. The scanner
// also tries to fetch translations and Electron's release list from the internet; name lookups are refused so that
// the scan is the same offline and online (we pin a current Electron instead of its "available fixes" check).
'use strict';
const dns = require('node:dns');
const path = require('node:path');

dns.lookup = (host, options, callback) => {
  const cb = typeof options === 'function' ? options : callback;
  process.nextTick(() => cb(Object.assign(new Error(`offline scan: no lookup of ${host}`), { code: 'ENOTFOUND' })));
};

const run = require('@doyensec/electronegativity/dist/runner.js');
const input = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'out'));
const electronVersion = require('electron/package.json').version;

const quiet = console.log;
console.log = () => {}; // the scanner's own chatter
run({
  input,
  customScan: [],
  excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
  isRelative: true,
  parserPlugins: [],
  electronVersionOverride: electronVersion,
})
  .then((r) => {
    console.log = quiet;
    const findings = r.issues.map((i) => ({
      id: i.id,
      severity: i.severity.name,
      confidence: i.confidence.name,
      file: i.file,
      line: i.location.line,
      manualReview: Boolean(i.manualReview),
    }));
    for (const f of findings) console.log(JSON.stringify(f));
    console.error(
      `electronegativity: ${r.globalChecks + r.atomicChecks} checks, ${findings.length} findings, ${r.errors.length} parse errors`,
    );
    process.exit(findings.some((f) => f.severity === 'HIGH') || r.errors.length > 0 ? 1 : 0);
  })
  .catch((e) => {
    console.log = quiet;
    console.error(e);
    process.exit(2);
  });
