/**
 * model_pose12's model choice (女 / 男 / 童, the one suggested for the category preselected) and, for a category whose
 * on-model images some marketplaces forbid (内衣, 泳装), the warning that says which and what. Self-contained: the
 * new-batch form only places it.
 */
import type { ClientOptions } from '../../../shared/contract';
import { setChoice, useStore } from '../store/app-store';
import { effectiveModel } from '../store/selectors';
import { AlertIcon } from './icons';

export function ModelChoice({ options }: { options: ClientOptions }) {
  const choice = useStore((s) => s.choice);
  const models = options.models ?? [];
  const current = effectiveModel(choice, options);
  const warning = choice.category ? options.modelImageWarnings?.[choice.category] : undefined;
  return (
    <div className="model-choice">
      {models.length > 0 ? (
        <div className="field">
          <span className="field__label">模特</span>
          <div className="segmented" role="radiogroup" aria-label="模特" data-testid="model-choice">
            {models.map((m) => (
              <button
                key={m.id}
                type="button"
                role="radio"
                aria-checked={current === m.id}
                className={`segmented__item ${current === m.id ? 'segmented__item--active' : ''}`}
                data-testid={`model-${m.id}`}
                onClick={() => setChoice({ model: m.id })}
              >
                {m.label}
              </button>
            ))}
          </div>
        </div>
      ) : null}
      {warning ? (
        <div className="inline-note inline-note--warning" data-testid="model-image-warning" role="note">
          <AlertIcon size={15} />
          <span>{warning}</span>
        </div>
      ) : null}
    </div>
  );
}
