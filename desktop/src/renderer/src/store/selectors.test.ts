import { describe, expect, it } from 'vitest';
import { appState, batch, clientOptions, item, membership } from '../../../../test/support/app-state-fixtures';
import { batchParams, chosenTaskType, draftCost, effectiveModel, emptyChoice, taskChangeKey } from './selectors';

const files = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `/p/${i}.jpg`, name: `${i}.jpg`, size: 1000 }));

describe('chosenTaskType', () => {
  it('defaults to the first type the server offers', () => {
    expect(chosenTaskType(appState(), emptyChoice)?.type).toBe('basic_clean');
  });

  it('keeps a valid choice and falls back when the choice is no longer offered', () => {
    expect(chosenTaskType(appState(), { ...emptyChoice, type: 'model_pose12' })?.type).toBe('model_pose12');
    const onlyBasic = appState({ options: clientOptions({ taskTypes: [{ type: 'basic_clean', cost: 1, label: '基础修图' }] }) });
    expect(chosenTaskType(onlyBasic, { ...emptyChoice, type: 'model_pose12' })?.type).toBe('basic_clean');
  });

  it('is null without options', () => {
    expect(chosenTaskType(appState({ options: null }), emptyChoice)).toBeNull();
    expect(chosenTaskType(null, emptyChoice)).toBeNull();
  });
});

describe('batchParams', () => {
  it('sends scene, category and model only for the model type', () => {
    const choice = { type: 'model_pose12' as const, scene: 'street' as const, category: 'dress' as const, model: null };
    expect(batchParams('model_pose12', choice)).toEqual({ scene: 'street', category: 'dress', model: 'female' });
    expect(batchParams('basic_clean', choice)).toEqual({});
    expect(batchParams('model_pose12', { ...choice, category: null })).toEqual({ scene: 'street', model: 'female' });
    expect(batchParams('model_pose12', { ...choice, model: 'male' })).toEqual({ scene: 'street', category: 'dress', model: 'male' });
  });

  it('uses the model suggested for the category until the merchant chooses one', () => {
    const options = clientOptions({ modelSuggestions: { kids: 'child' } });
    const kids = { type: 'model_pose12' as const, scene: 'studio' as const, category: 'kids' as const, model: null };
    expect(batchParams('model_pose12', kids, options)).toMatchObject({ model: 'child' });
    expect(batchParams('model_pose12', { ...kids, model: 'female' }, options)).toMatchObject({ model: 'female' });
    expect(effectiveModel({ ...kids, category: 'dress' }, options)).toBe('female');
  });
});

describe('draftCost', () => {
  it('prices the draft with the chosen type and the balance', () => {
    const app = appState({ draft: { files: files(10), rejected: [] }, membership: membership({ quotaRemaining: 12 }) });
    expect(draftCost(app, emptyChoice)).toMatchObject({ text: '10 张 × 1 次 = 10 次，剩余 12 次', fits: true });
    expect(draftCost(app, { type: 'model_pose12', scene: 'studio', category: 'coat', model: null })).toMatchObject({
      text: '10 张 × 3 次 = 30 次，剩余 12 次',
      fits: false,
      reason: '剩余次数不足：需要 30 次，剩余 12 次',
    });
  });

  it('asks for scene and category before anything else about the model type', () => {
    const app = appState({ draft: { files: files(1), rejected: [] } });
    expect(draftCost(app, { ...emptyChoice, type: 'model_pose12' }).reason).toBe('请选择场景和品类');
  });
});

describe('taskChangeKey', () => {
  const withItems = (...items: Parameters<typeof item>[0][]) => appState({ batches: [batch({ id: 'b1', items: items.map(item) })] });

  it('changes when a task is created or ends, not with progress', () => {
    const uploading = withItems({ id: 'i1', name: 'a.jpg', stage: 'uploading', uploadedBytes: 10 });
    const further = withItems({ id: 'i1', name: 'a.jpg', stage: 'uploading', uploadedBytes: 900 });
    const created = withItems({ id: 'i1', name: 'a.jpg', stage: 'processing', taskId: 't1' });
    const downloading = withItems({ id: 'i1', name: 'a.jpg', stage: 'downloading', taskId: 't1' });
    const done = withItems({ id: 'i1', name: 'a.jpg', stage: 'done', taskId: 't1' });
    expect(taskChangeKey(further)).toBe(taskChangeKey(uploading));
    expect(taskChangeKey(created)).not.toBe(taskChangeKey(uploading));
    expect(taskChangeKey(downloading)).toBe(taskChangeKey(created));
    expect(taskChangeKey(done)).not.toBe(taskChangeKey(created));
  });

  it('counts a failure before any task as an end too', () => {
    const failed = withItems({ id: 'i1', name: 'a.jpg', stage: 'failed' });
    expect(taskChangeKey(failed)).not.toBe(taskChangeKey(withItems({ id: 'i1', name: 'a.jpg' })));
    expect(taskChangeKey(null)).toBe('0:0');
  });
});
