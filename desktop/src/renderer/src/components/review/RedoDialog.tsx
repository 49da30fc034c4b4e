/**
 * 重做's confirmation: a redo is a new task of the same photo (charged again; the old result stays), so its cost in
 * 次 against the balance comes first, and nothing is sent until the merchant confirms.
 */
import { useEffect } from 'react';
import type { AppState, BatchView, ItemView } from '../../../../shared/contract';
import { purchaseLabel } from '../../logic/membership';
import { redoCost } from '../../logic/review';
import { redoItems, startPurchase } from '../../store/actions';
import { useBusy } from '../../store/app-store';
import { CloseIcon } from '../icons';

export function RedoDialog({ batch, items, app, onClose }: { batch: BatchView; items: ItemView[]; app: AppState; onClose: () => void }) {
  const ids = items.map((i) => i.id);
  const busy = useBusy(`redo:${ids.join(',')}`);
  const cost = redoCost(batch, items.length, app.options, app.membership);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  const confirm = async () => {
    if (await redoItems(ids)) onClose();
  };
  return (
    <div className="modal-backdrop modal-backdrop--top">
      <div className="modal modal--narrow" role="dialog" aria-modal="true" aria-labelledby="redo-title" data-testid="redo-dialog">
        <div className="modal__head">
          <div>
            <h2 id="redo-title">重做{items.length === 1 ? `「${items[0]!.name}」` : ` ${items.length} 张图片`}</h2>
            <p className="muted">用同一张原图重新处理，会新建任务并扣次数；原来的结果会保留。</p>
          </div>
          <button type="button" className="icon-button" aria-label="关闭" onClick={onClose}>
            <CloseIcon />
          </button>
        </div>
        <div className="modal__body redo">
          <div className="redo__cost" data-testid="redo-cost">
            {cost.text}
          </div>
          {cost.reason ? (
            <p className="redo__reason" data-testid="redo-reason">
              {cost.reason}
            </p>
          ) : null}
          <div className="redo__actions">
            <button type="button" className="btn btn--ghost" onClick={onClose}>
              取消
            </button>
            {cost.needsPurchase ? (
              <button type="button" className="btn btn--secondary" onClick={() => void startPurchase()}>
                {purchaseLabel(app.membership)}
              </button>
            ) : null}
            <button
              type="button"
              className="btn btn--primary"
              data-testid="redo-confirm"
              disabled={!cost.fits || busy}
              onClick={() => void confirm()}
            >
              确定重做（扣 {cost.total} 次）
            </button>
          </div>
        </div>
      </div>
    </div>
  );
}
