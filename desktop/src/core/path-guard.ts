/** Paths the renderer names are used only inside folders the merchant chose or files the app knows. */
import { isAbsolute, relative, resolve } from 'node:path';

export function isPathInside(candidate: string, dir: string): boolean {
  if (!isAbsolute(candidate)) return false;
  const rel = relative(resolve(dir), resolve(candidate));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
