/** The terms of service or the privacy policy, as the server serves them, in a dialog. */
import { useEffect, useState } from 'react';
import type { LegalDocView } from '../../../shared/contract';
import { legalText } from '../store/actions';
import { Spinner } from './common';
import { CloseIcon } from './icons';

export function useLegalText(kind: LegalDocView['kind'] | null): (LegalDocView & { body: string }) | null | undefined {
  const [doc, setDoc] = useState<(LegalDocView & { body: string }) | null | undefined>(undefined);
  useEffect(() => {
    if (!kind) return;
    let live = true;
    setDoc(undefined);
    void legalText(kind).then((d) => live && setDoc(d ?? null));
    return () => {
      live = false;
    };
  }, [kind]);
  return doc;
}

export function LegalBody({ doc }: { doc: (LegalDocView & { body: string }) | null | undefined }) {
  if (doc === undefined) return <Spinner label="正在读取…" />;
  if (doc === null) return <p className="muted">暂时无法读取，请检查网络后重试</p>;
  return (
    <div className="legal__text" data-testid={`legal-${doc.kind}`}>
      {doc.body.split(/\n{2,}/).map((para, i) => (
        <p key={i}>{para}</p>
      ))}
      <p className="muted">版本 {doc.version}</p>
    </div>
  );
}

export function LegalDialog({ kind, onClose }: { kind: LegalDocView['kind']; onClose: () => void }) {
  const doc = useLegalText(kind);
  return (
    <div className="modal-backdrop">
      <div className="modal modal--legal" role="dialog" aria-modal="true" aria-labelledby="legal-title" data-testid="legal-dialog">
        <div className="modal__head">
          <h2 id="legal-title">{doc?.title ?? (kind === 'terms' ? '用户协议' : '隐私政策')}</h2>
          <button type="button" className="icon-button" aria-label="关闭" onClick={onClose}>
            <CloseIcon />
          </button>
        </div>
        <div className="modal__body legal__scroll">
          <LegalBody doc={doc} />
        </div>
      </div>
    </div>
  );
}
