/** `npm run docs`: regenerates the JSON Schema section of docs/api.md from the zod schemas of @aizhao/shared. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withSchemas } from '../docs/schemas.js';
import { REPO_ROOT } from '../paths.js';

const file = join(REPO_ROOT, 'docs', 'api.md');
const before = readFileSync(file, 'utf8');
const after = withSchemas(before);
writeFileSync(file, after);
console.log(before === after ? 'docs/api.md is up to date' : 'docs/api.md: schema section regenerated');
