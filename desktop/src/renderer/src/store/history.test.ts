import { describe, expect, it } from 'vitest';
import { taskRow } from '../../../../test/support/app-state-fixtures';
import { applyPage, canAutoRefresh, failRequest, initialHistory, requestFilter, startRequest, withFilter, withRowFiles } from './history';

const rows = (...ids: string[]) => ids.map((id) => taskRow({ id }));

describe('history list state', () => {
  it('replaces the rows with a first page and appends the next one', () => {
    let h = startRequest(initialHistory);
    h = applyPage(h, h.requestSeq, { items: rows('t1', 't2'), nextCursor: 'c2' }, false);
    expect(h).toMatchObject({ loading: false, loaded: true, nextCursor: 'c2' });
    expect(requestFilter(h, true)).toEqual({ cursor: 'c2' });
    h = startRequest(h);
    h = applyPage(h, h.requestSeq, { items: rows('t2', 't3'), nextCursor: null }, true);
    expect(h.rows.map((r) => r.id)).toEqual(['t1', 't2', 't3']);
    expect(h.nextCursor).toBeNull();
  });

  it('drops the answer of a request that a newer one replaced', () => {
    const first = startRequest(initialHistory);
    const second = startRequest(withFilter(first, { status: 'failed' }));
    const stale = applyPage(second, first.requestSeq, { items: rows('old'), nextCursor: null }, false);
    expect(stale).toBe(second);
    expect(failRequest(second, first.requestSeq)).toBe(second);
    expect(failRequest(second, second.requestSeq).loading).toBe(false);
  });

  it('starts over on a new filter and sends it with the request (no cursor for a first page)', () => {
    let h = applyPage(startRequest(initialHistory), 1, { items: rows('t1'), nextCursor: 'c2' }, false);
    h = { ...h, selectedId: 't1' };
    h = withFilter(h, { status: 'done', type: 'model_pose12' });
    expect(h).toMatchObject({ rows: [], nextCursor: null, loaded: false, selectedId: null });
    expect(requestFilter(h, false)).toEqual({ status: 'done', type: 'model_pose12' });
  });

  it('keeps the selection only while its row is still listed', () => {
    const h = { ...startRequest(initialHistory), selectedId: 't2' };
    expect(applyPage(h, h.requestSeq, { items: rows('t1', 't2'), nextCursor: null }, false).selectedId).toBe('t2');
    expect(applyPage(h, h.requestSeq, { items: rows('t1'), nextCursor: null }, false).selectedId).toBeNull();
  });

  it('updates the local files of one row after a re-download', () => {
    const h = applyPage(startRequest(initialHistory), 1, { items: rows('t1', 't2'), nextCursor: null }, false);
    const after = withRowFiles(h, 't2', ['/r/a_白底.jpg']);
    expect(after.rows.find((r) => r.id === 't2')!.files).toEqual(['/r/a_白底.jpg']);
    expect(after.rows.find((r) => r.id === 't1')!.files).toEqual([]);
  });

  it('reloads by itself only on a first page that is not loading', () => {
    expect(canAutoRefresh(initialHistory)).toBe(false); // nothing shown yet: the tab's own load does it
    let h = startRequest(initialHistory);
    expect(canAutoRefresh(h)).toBe(false);
    h = applyPage(h, h.requestSeq, { items: rows('t1'), nextCursor: 'c2' }, false);
    expect([h.pages, canAutoRefresh(h)]).toEqual([1, true]);
    h = startRequest(h);
    h = applyPage(h, h.requestSeq, { items: rows('t2'), nextCursor: null }, true);
    expect([h.pages, canAutoRefresh(h)]).toEqual([2, false]); // paged further: kept until 刷新
    h = startRequest(h);
    h = applyPage(h, h.requestSeq, { items: rows('t3'), nextCursor: null }, false);
    expect([h.pages, canAutoRefresh(h)]).toEqual([1, true]);
    expect(withFilter(h, { status: 'done' }).pages).toBe(0);
  });
});
