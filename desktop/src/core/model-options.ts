/**
 * What the new-batch form offers for model_pose12 beyond the server's catalogue: the model choice (女 / 男 / 童) and,
 * for the categories some marketplaces forbid on-model images for (内衣, 泳装), the warning to show, built from the
 * shared catalogue's MODEL_IMAGE_RESTRICTIONS (which names each rule's source).
 */
import { DEFAULT_MODEL, MODEL_IMAGE_RESTRICTIONS, MODEL_LABELS, MODELS, suggestedModel, type Category, type Model } from '@aizhao/shared';

export function modelOptions(): { id: Model; label: string }[] {
  return MODELS.map((id) => ({ id, label: MODEL_LABELS[id] }));
}

/** The categories whose suggested model is not the default one (童装 → 童). */
export function modelSuggestions(categories: readonly Category[]): Partial<Record<Category, Model>> {
  return Object.fromEntries(categories.map((id) => [id, suggestedModel(id)]).filter(([, m]) => m !== DEFAULT_MODEL));
}

/** The warning per offered category that has restrictions: which marketplaces, and what they forbid. */
export function modelImageWarnings(categories: readonly Category[]): Partial<Record<Category, string>> {
  const out: Partial<Record<Category, string>> = {};
  for (const id of categories) {
    const rules = MODEL_IMAGE_RESTRICTIONS[id];
    if (!rules?.length) continue;
    out[id] = `部分平台限制该品类使用模特图：${rules.map((r) => `${r.marketplace}：${r.rule}`).join('；')}。上架前请确认目标平台的规则。`;
  }
  return out;
}
