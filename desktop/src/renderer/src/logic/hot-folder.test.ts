import { describe, expect, it } from 'vitest';
import { clientOptions } from '../../../../test/support/app-state-fixtures';
import type { HotFolderView } from '../../../shared/contract';
import { presetViews } from '../../../core/exports/presets';
import { folderFormProblem, folderSummary, folderUsage, hotFolderPresetChoices } from './hot-folder';

const folder = (o: Partial<HotFolderView> = {}): HotFolderView => ({
  id: 'f1',
  path: '/照片',
  type: 'basic_clean',
  params: {},
  presets: [],
  dailyLimit: 20,
  paused: false,
  usedToday: 0,
  waiting: 0,
  lastError: null,
  watching: true,
  ...o,
});

describe('hot folder wording', () => {
  it('names the type, the parameters for the model type, and the presets', () => {
    const options = clientOptions();
    const views = presetViews();
    expect(folderSummary(folder(), options, views)).toBe('基础修图（白底主图）');
    const custom = { id: 'custom', width: 1200, height: 900, fill: 0.8, background: '#ffffff', format: 'jpeg' } as const;
    expect(folderSummary(folder({ presets: [{ id: 'taobao' }, { id: 'transparent' }, custom] }), options, views)).toBe(
      '基础修图（白底主图） · 导出：淘宝/天猫 白底图、透明底 PNG、自定义 1200×900',
    );
    expect(folderSummary(folder({ type: 'model_pose12', params: { scene: 'street', category: 'coat' } }), options, views)).toBe(
      'AI模特12图 · 街拍 · 外套',
    );
  });

  it('offers the presets that apply to the folder task type (the exports module views)', () => {
    const views = presetViews();
    expect(hotFolderPresetChoices('basic_clean', views).map((c) => c.preset)).toEqual(views.map((v) => v.preset));
    expect(hotFolderPresetChoices('model_pose12', views)).toEqual([
      { preset: { id: 'pose', aspect: '3:4', width: 750 }, label: '模特图 3:4 · 宽 750' },
    ]);
    expect(hotFolderPresetChoices('basic_clean', null)).toEqual([]);
  });

  it('says what was used today and what waits, and why', () => {
    expect(folderUsage(folder({ usedToday: 3 }))).toBe('今日已用 3 / 20 次');
    expect(folderUsage(folder({ usedToday: 5, waiting: 2 }))).toBe('今日已用 5 / 20 次 · 等待中 2 张');
    expect(folderUsage(folder({ usedToday: 20, waiting: 7 }))).toBe('今日已用 20 / 20 次 · 等待中 7 张（已达今日上限，明天继续）');
  });

  it('checks the form: a whole limit of at least 1, scene and category for the model type', () => {
    expect(folderFormProblem({ type: 'basic_clean', params: {}, presets: [], dailyLimit: 10 })).toBeNull();
    expect(folderFormProblem({ type: 'basic_clean', params: {}, presets: [], dailyLimit: 0 })).toBe('每日上限至少 1 次');
    expect(folderFormProblem({ type: 'basic_clean', params: {}, presets: [], dailyLimit: NaN })).toBe('每日上限至少 1 次');
    expect(folderFormProblem({ type: 'basic_clean', params: {}, presets: [], dailyLimit: 2.5 })).toBe('每日上限至少 1 次');
    expect(folderFormProblem({ type: 'model_pose12', params: { scene: 'street' }, presets: [], dailyLimit: 10 })).toBe('请选择品类');
  });
});
