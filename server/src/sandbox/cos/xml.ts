/** COS XML bodies: building answers and reading the few request bodies the emulator accepts. */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

const builder = new XMLBuilder({ format: false, suppressEmptyNode: false, processEntities: true });
const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, ignoreDeclaration: true });

/** `<root>…</root>` with an XML declaration; arrays become repeated elements. */
export function toXml(root: string, body: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ [root]: body }) as string}`;
}

export function parseXml(text: string): Record<string, unknown> {
  return parser.parse(text) as Record<string, unknown>;
}

export function errorXml(code: string, message: string, requestId: string, resource: string): string {
  return toXml('Error', { Code: code, Message: message, RequestId: requestId, Resource: resource });
}

/** Reads `<CompleteMultipartUpload><Part><PartNumber/><ETag/></Part>…` into a list; null when malformed. */
export function parseCompleteParts(text: string): { partNumber: number; etag: string }[] | null {
  let doc: Record<string, unknown>;
  try {
    doc = parseXml(text);
  } catch {
    return null;
  }
  const root = doc['CompleteMultipartUpload'] as { Part?: unknown } | undefined;
  if (!root || typeof root !== 'object') return null;
  const raw = root.Part === undefined ? [] : Array.isArray(root.Part) ? root.Part : [root.Part];
  const parts: { partNumber: number; etag: string }[] = [];
  for (const p of raw as { PartNumber?: unknown; ETag?: unknown }[]) {
    const n = Number(p?.PartNumber);
    if (!Number.isInteger(n) || n < 1 || typeof p.ETag !== 'string') return null;
    parts.push({ partNumber: n, etag: p.ETag });
  }
  return parts;
}
