/**
 * State pushes as changes: each published `AppState` is compared with the one published before it, and only what
 * differs goes to the renderer — items by id (and the ids of removed ones), batch heads, and whole top-level fields.
 * Every patch is numbered; the renderer applies a patch only onto the version it names as `base`, and asks for a
 * snapshot otherwise (see `renderer/src/store/state-sync.ts`). A batch of 2 000 items whose upload progresses moves
 * a few items per push, not the 870 KB of the whole state.
 */
import type { AppState, BatchHead, BatchView, ItemView, StatePatch, StateSnapshot } from '../shared/contract.js';

const TOP_LEVEL_FIELDS = [
  'ready',
  'offline',
  'options',
  'user',
  'sessionPersisted',
  'membership',
  'payment',
  'draft',
  'settings',
  'about',
  'update',
  'consent',
  'hotFolders',
] as const satisfies readonly (keyof Omit<AppState, 'batches'>)[];
/** every top-level field is in the list (a field left out would never reach the renderer) */
const _everyField: Exclude<keyof Omit<AppState, 'batches'>, (typeof TOP_LEVEL_FIELDS)[number]> extends never ? true : never = true;

/** Plain JSON values (what `AppState` is made of) compared by content. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((v, i) => sameValue(v, other[i]));
  }
  // a field set to undefined is the same as no field (what the renderer reads is the same)
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameValue(ra[k], rb[k]));
}

const head = ({ items: _items, ...rest }: BatchView): BatchHead => rest;

/** What changed from `prev` to `next`, or null when nothing did. */
export function diffState(prev: AppState, next: AppState): Omit<StatePatch, 'kind' | 'version' | 'base'> | null {
  const fields: Partial<Omit<AppState, 'batches'>> = {};
  let changes = 0;
  for (const key of TOP_LEVEL_FIELDS) {
    if (!sameValue(prev[key], next[key])) {
      (fields as Record<string, unknown>)[key] = next[key];
      changes++;
    }
  }
  const before = new Map(prev.batches.map((b) => [b.id, b]));
  const after = new Set(next.batches.map((b) => b.id));
  const changedBatches: BatchHead[] = [];
  const changedItems: ItemView[] = [];
  const removedItems: string[] = [];
  for (const batch of next.batches) {
    const old = before.get(batch.id);
    if (!old) {
      changedBatches.push(head(batch));
      changedItems.push(...batch.items);
      continue;
    }
    if (!sameValue(head(old), head(batch))) changedBatches.push(head(batch));
    const oldItems = new Map(old.items.map((i) => [i.id, i]));
    const ids = new Set<string>();
    for (const item of batch.items) {
      ids.add(item.id);
      const was = oldItems.get(item.id);
      if (!was || !sameValue(was, item)) changedItems.push(item);
    }
    for (const id of oldItems.keys()) if (!ids.has(id)) removedItems.push(id);
  }
  const removedBatches = prev.batches.filter((b) => !after.has(b.id)).map((b) => b.id);
  const sameOrder = prev.batches.length === next.batches.length && prev.batches.every((b, i) => b.id === next.batches[i]!.id);
  changes += changedBatches.length + changedItems.length + removedItems.length + removedBatches.length + (sameOrder ? 0 : 1);
  if (changes === 0) return null;
  return {
    fields,
    batches: { changed: changedBatches, removed: removedBatches, order: sameOrder ? null : next.batches.map((b) => b.id) },
    items: { changed: changedItems, removed: removedItems },
  };
}

/** Numbers the published states and turns each into a patch against the one before. */
export class StatePublisher {
  private last: AppState | null = null;
  private current = 0;

  get version(): number {
    return this.current;
  }

  /** The patch that takes the last published state to `state` (which becomes the last), or null when nothing changed. */
  publish(state: AppState): StatePatch | null {
    if (!this.last) {
      this.last = state;
      this.current++;
      return null; // nobody can hold an earlier version: the first state reaches the renderer as a snapshot
    }
    const diff = diffState(this.last, state);
    if (!diff) return null;
    this.last = state;
    this.current++;
    return { kind: 'patch', version: this.current, base: this.current - 1, ...diff };
  }

  /** The last published state as a snapshot (publish the current state first). */
  snapshot(): StateSnapshot {
    if (!this.last) throw new Error('no state published yet');
    return { kind: 'snapshot', version: this.current, state: this.last };
  }
}
