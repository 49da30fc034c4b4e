/**
 * 导出全部 / 导出为… on 处理进度 (which opens its own export dialog unless the main screen passes `onExport`) and on the
 * review screen (only with `onExport`, which 处理进度 always passes). Rendered to markup in Node (no DOM needed).
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { appState, batch, item } from '../../../../test/support/app-state-fixtures';
import { ProgressTab } from './ProgressTab';
import { ReviewScreen } from './review/ReviewScreen';

const done = batch({
  id: 'b1',
  items: [
    item({ id: 'a', batchId: 'b1', name: 'a.jpg', stage: 'done', taskId: 't1', files: ['/r/a/a_白底.jpg'] }),
    item({ id: 'b', batchId: 'b1', name: 'b.jpg', stage: 'failed', errorReason: '处理失败' }),
  ],
});
const app = appState({ batches: [done] });
const render = (onExport?: (ids: string[]) => void) => renderToStaticMarkup(createElement(ProgressTab, { app, onExport }));

describe('the export buttons', () => {
  it('are on 处理进度, with or without a dialog from the main screen (the tab opens its own)', () => {
    expect(render()).toContain('data-testid="batch-export-all"');
    expect(render(() => {})).toContain('data-testid="batch-export-all"');
  });

  it('are on the review screen and in the detail view with onExport', () => {
    const review = (onExport?: (ids: string[]) => void) =>
      renderToStaticMarkup(createElement(ReviewScreen, { batch: done, itemId: 'a', app, onExport }));
    const hidden = review();
    expect(hidden).toContain('data-testid="detail-view"');
    expect(hidden).not.toContain('导出');
    const shown = review(() => {});
    expect(shown).toContain('data-testid="review-export-all"');
    expect(shown).toContain('data-testid="detail-export"');
  });
});
