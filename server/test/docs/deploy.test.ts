/**
 * docs/deploy.md stays true where it cheaply can: every `npm run X` it shows is a script of the root package.json,
 * every variable it names is one the configuration (or PM2's ecosystem file) reads, every variable production
 * requires is named, and every repository file it mentions or links exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_ALIASES, CONFIG_VARIABLES, ConfigError, loadConfig } from '../../src/config.js';
import { REPO_ROOT } from '../../src/paths.js';

const DOC = join(REPO_ROOT, 'docs', 'deploy.md');
const md = readFileSync(DOC, 'utf8');
const scripts = Object.keys(
  (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
);
/** Upper-case names the doc uses that are not ours to read: shell variables of its commands, Electron's, a WeChat code. */
const NOT_CONFIG = new Set(['DOMAIN', 'EMAIL', 'HOME', 'ELECTRON_SKIP_BINARY_DOWNLOAD', 'ORDER_NOT_EXIST', 'TEST_DATABASE_URL']);
const ecosystem = readFileSync(join(REPO_ROOT, 'ecosystem.config.cjs'), 'utf8');
const PM2_VARIABLES = new Set([...ecosystem.matchAll(/setting\('([A-Z0-9_]+)'/g)].map((m) => m[1]!));

describe('docs/deploy.md', () => {
  it('runs only npm scripts that exist', () => {
    const used = [...new Set([...md.matchAll(/npm run (?:--silent )?([a-z][\w:-]*)/g)].map((m) => m[1]!))];
    expect(used).toEqual(expect.arrayContaining(['build', 'db:migrate', 'admin:create', 'doctor']));
    expect(used.filter((s) => !scripts.includes(s))).toEqual([]);
  });

  it('names only variables the configuration or the PM2 file reads', () => {
    const known = new Set([...CONFIG_VARIABLES, ...Object.keys(CONFIG_ALIASES), ...PM2_VARIABLES]);
    // `NAME`, NAME= and $NAME, with an underscore (HOST, PORT … are checked when they are configuration names)
    const names = new Set(
      [...md.matchAll(/(?:`|\$|\b)([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)(?=`|=|\b)/g)]
        .map((m) => m[1]!)
        .filter((n) => n.includes('_') || CONFIG_VARIABLES.includes(n)),
    );
    expect(names.size).toBeGreaterThan(30);
    expect([...names].filter((n) => !known.has(n) && !NOT_CONFIG.has(n))).toEqual([]);
    expect(PM2_VARIABLES.size).toBeGreaterThan(2);
  });

  it('names every variable production requires', () => {
    let problems: string[] = [];
    try {
      loadConfig({ NODE_ENV: 'production', SANDBOX: '0' });
    } catch (err) {
      problems = err instanceof ConfigError ? err.problems : [];
    }
    const required = [...new Set(problems.flatMap((p) => [...p.split(':')[0]!.matchAll(/[A-Z][A-Z0-9_]+/g)].map((m) => m[0])))];
    expect(required).toEqual(expect.arrayContaining(['TENCENT_SECRET_ID', 'WECHAT_MCHID', 'JWT_SECRET', 'SMS_SIGN_NAME']));
    expect(required.filter((n) => !md.includes(`\`${n}\``))).toEqual([]);
  });

  it('mentions and links only files that exist', () => {
    const paths = [
      ...[...md.matchAll(/`((?:deploy|server|docs|scripts)\/[\w./-]+|ecosystem\.config\.cjs|\.env\.example|\.nvmrc)`/g)].map((m) =>
        join(REPO_ROOT, m[1]!),
      ),
      ...[...md.matchAll(/\]\((?!https?:|#)([^)#]+)\)/g)].map((m) => resolve(dirname(DOC), m[1]!)),
      ...[...md.matchAll(/\/srv\/aizhao\/app\/([\w./-]+)/g)].map((m) => join(REPO_ROOT, m[1]!)),
    ];
    expect(paths.length).toBeGreaterThan(8);
    expect(paths.filter((p) => !existsSync(p)).map((p) => p.slice(REPO_ROOT.length + 1))).toEqual([]);
  });
});
