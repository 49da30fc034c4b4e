/**
 * The generated part of docs/api.md: the JSON Schema (from zod, `z.toJSONSchema`) of every `@aizhao/shared` schema
 * the document names in its tables, between the `schemas:begin` / `schemas:end` markers.
 */
import * as shared from '@aizhao/shared';
import { z } from 'zod';

export const BEGIN = '<!-- schemas:begin -->';
export const END = '<!-- schemas:end -->';

/** Names of shared schemas in the document's tables (the last column): `fooRequest`, `adminPage(fooSchema)`, … */
export function schemaNamesIn(markdown: string): string[] {
  const names = new Set<string>();
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('| `')) continue;
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    const last = cells[cells.length - 2] ?? '';
    for (const m of last.matchAll(/`([^`]+)`/g))
      for (const id of m[1]!.matchAll(/[A-Za-z]\w*/g)) if (id[0] !== 'adminPage') names.add(id[0]);
  }
  return [...names].sort();
}

const isSchema = (v: unknown): v is z.ZodType => v instanceof z.ZodType;

/** The shared export of that name if it is a zod schema. */
export function sharedSchema(name: string): z.ZodType | undefined {
  const v = (shared as Record<string, unknown>)[name];
  return isSchema(v) ? v : undefined;
}

export function renderSchemaSection(names: string[]): string {
  const parts = names.map((name) => {
    const schema = sharedSchema(name);
    if (!schema) throw new Error(`docs/api.md names ${name}, which @aizhao/shared does not export as a schema`);
    const io = /(Request|Query|Reason)$/.test(name) ? 'input' : 'output';
    const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
    return `### \`${name}\`\n\n\`\`\`json\n${JSON.stringify(json, null, 2)}\n\`\`\``;
  });
  return `${BEGIN}\n${parts.join('\n\n')}\n${END}`;
}

/** The document with its generated section brought up to date. */
export function withSchemas(markdown: string): string {
  const start = markdown.indexOf(BEGIN);
  const end = markdown.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/api.md lacks the ${BEGIN} … ${END} markers`);
  return markdown.slice(0, start) + renderSchemaSection(schemaNamesIn(markdown)) + markdown.slice(end + END.length);
}
