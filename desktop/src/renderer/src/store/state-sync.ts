/**
 * Applies the main process's state messages (see `core/state-patch.ts`). A patch applies only onto the version it
 * names as `base`; one that does not fit (a push was missed) asks for a snapshot. Everything a patch does not
 * mention keeps its identity — the same item, batch and field objects — so memoised rows and selectors see no change.
 */
// `.js`: this module is also compiled with the main process's tests (node16 resolution)
import type { AppState, BatchView, ItemView, StateMessage, StatePatch } from '../../../shared/contract.js';

export interface SyncedState {
  version: number;
  app: AppState;
}

/** the new state; `stale`: an older message, dropped; `resync`: a patch that does not fit, ask for a snapshot */
export type SyncOutcome = { kind: 'applied'; synced: SyncedState } | { kind: 'stale' } | { kind: 'resync' };

export function applyStateMessage(current: SyncedState | null, message: StateMessage): SyncOutcome {
  if (current && message.version <= current.version) return { kind: 'stale' };
  if (message.kind === 'snapshot') return { kind: 'applied', synced: { version: message.version, app: message.state } };
  if (!current || message.base !== current.version) return { kind: 'resync' };
  return { kind: 'applied', synced: { version: message.version, app: applyPatch(current.app, message) } };
}

function applyPatch(app: AppState, patch: StatePatch): AppState {
  const next: AppState = { ...app, ...patch.fields };
  const { batches, items } = patch;
  if (
    batches.changed.length === 0 &&
    batches.removed.length === 0 &&
    !batches.order &&
    items.changed.length === 0 &&
    items.removed.length === 0
  )
    return next;
  const heads = new Map(batches.changed.map((h) => [h.id, h]));
  const changedByBatch = new Map<string, ItemView[]>();
  for (const item of items.changed) {
    const list = changedByBatch.get(item.batchId);
    if (list) list.push(item);
    else changedByBatch.set(item.batchId, [item]);
  }
  const removedItems = new Set(items.removed);
  const removedBatches = new Set(batches.removed);
  const old = new Map(app.batches.map((b) => [b.id, b]));
  const order = batches.order ?? app.batches.map((b) => b.id).filter((id) => !removedBatches.has(id));
  next.batches = order.flatMap((id): BatchView[] => {
    const was = old.get(id);
    const h = heads.get(id);
    const changed = changedByBatch.get(id);
    const losesItems = removedItems.size > 0 && was !== undefined && was.items.some((i) => removedItems.has(i.id));
    if (was && !h && !changed && !losesItems) return [was];
    const base = was ?? (h ? { ...h, items: [] } : null);
    if (!base) return []; // neither known nor sent: a malformed patch; the next snapshot repairs it
    return [{ ...base, ...h, items: mergeItems(base.items, changed ?? [], removedItems) }];
  });
  return next;
}

/** The batch's items with `changed` put in place (or appended when new) and `removed` taken out. */
function mergeItems(items: readonly ItemView[], changed: readonly ItemView[], removed: ReadonlySet<string>): ItemView[] {
  const byId = new Map(changed.map((i) => [i.id, i]));
  const merged: ItemView[] = [];
  for (const item of items) {
    if (removed.has(item.id)) continue;
    const update = byId.get(item.id);
    merged.push(update ?? item);
    byId.delete(item.id);
  }
  merged.push(...byId.values());
  return merged;
}
