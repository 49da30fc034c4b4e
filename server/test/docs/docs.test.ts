/**
 * The repository documents itself: docs/api.md lists exactly the routes the server serves (sandbox mode, where every
 * route exists) and names schemas that @aizhao/shared exports, with their JSON Schema as `npm run docs` makes it;
 * docs/configuration.md lists exactly the variables the config schema reads, with the schema's defaults.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_ALIASES, CONFIG_DEFAULTS, CONFIG_VARIABLES } from '../../src/config.js';
import { listRoutes } from '../../src/docs/routes.js';
import { schemaNamesIn, sharedSchema, withSchemas } from '../../src/docs/schemas.js';
import { REPO_ROOT } from '../../src/paths.js';
import { startTestServer, type TestServer } from '../support/server.js';

const read = (name: string) => readFileSync(join(REPO_ROOT, 'docs', name), 'utf8');

/** `METHOD /path` in the first column of the document's tables. */
const documentedRoutes = (md: string) =>
  [...md.matchAll(/^\| `(GET|POST|PUT|PATCH|DELETE) ([^`]+)`/gm)].map((m) => `${m[1]} ${m[2]!.replace(/\?.*$/, '')}`);

/** Prefixes of the emulated vendor APIs (the table under "emulated vendor"). */
const emulatorPrefixes = (md: string) => [...md.matchAll(/^\| [^|]+ \| `(\/sandbox\/[^`]+)` \|$/gm)].map((m) => m[1]!);

describe('docs/api.md', () => {
  let s: TestServer;
  const md = read('api.md');
  beforeAll(async () => {
    s = await startTestServer({ jobs: false });
  });
  afterAll(() => s.destroy());

  it('lists every route the server serves, and only those', () => {
    const prefixes = emulatorPrefixes(md);
    expect(prefixes.length).toBeGreaterThanOrEqual(3);
    const served = listRoutes(s.app).filter((r) => !prefixes.some((p) => r.split(' ')[1]!.startsWith(p)));
    expect(served.length).toBeGreaterThan(30);
    expect([...new Set(documentedRoutes(md))].sort()).toEqual(served.sort());
  });

  it('names only schemas that @aizhao/shared exports', () => {
    const names = schemaNamesIn(md);
    expect(names.length).toBeGreaterThan(20);
    expect(names.filter((n) => !sharedSchema(n))).toEqual([]);
  });

  it('has the JSON Schema section that npm run docs generates from the zod schemas', () => {
    expect(withSchemas(md) === md, 'docs/api.md is stale: run npm run docs').toBe(true);
  });
});

describe('docs/configuration.md', () => {
  const md = read('configuration.md');
  /** variable → documented default (the second column), from the table rows `| `NAME` | default | meaning |`. */
  const rows = new Map<string, string>();
  for (const m of md.matchAll(/^\| ((?:`[A-Z][A-Z0-9_]*`(?: \(alias `[A-Z0-9_]+`\))?(?: \/ )?)+) \| ([^|]*) \|/gm)) {
    const names = [...m[1]!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((x) => x[1]!);
    const defaults = m[2]!.split(' / ').map((d) => d.trim());
    names.forEach((n, i) => rows.set(n, defaults.length === names.length ? defaults[i]! : m[2]!.trim()));
  }

  it('documents every variable the configuration reads (and its aliases), and no other', () => {
    const documented = [...rows.keys()].filter((n) => !['TEST_DATABASE_URL', 'DOTENV_CONFIG_PATH'].includes(n));
    expect(documented.sort()).toEqual([...CONFIG_VARIABLES, ...Object.keys(CONFIG_ALIASES)].sort());
  });

  it('gives each variable the default the schema has', () => {
    const wrong = Object.entries(CONFIG_DEFAULTS)
      .filter(([name, value]) => rows.get(name) !== `\`${value}\``)
      .map(([name, value]) => `${name}: documented ${rows.get(name)}, schema default ${value}`);
    expect(wrong).toEqual([]);
  });
});
