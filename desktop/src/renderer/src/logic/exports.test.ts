import { describe, expect, it } from 'vitest';
import { badgeText, clampCustom, DEFAULT_CUSTOM, hasPreset, presetKey, reportSummary, togglePreset } from './exports';

describe('export choices', () => {
  it('toggles presets by what they are, not by object identity', () => {
    const list = togglePreset([{ id: 'taobao' }], { id: 'amazon' });
    expect(list).toEqual([{ id: 'taobao' }, { id: 'amazon' }]);
    expect(togglePreset(list, { id: 'taobao' })).toEqual([{ id: 'amazon' }]);
    const pose = { id: 'pose', aspect: '3:4', width: 750 } as const;
    expect(hasPreset([pose], { ...pose })).toBe(true);
    expect(presetKey(pose)).not.toBe(presetKey({ ...pose, width: 800 }));
  });

  it('keeps a custom size within what main accepts', () => {
    expect(clampCustom({ ...DEFAULT_CUSTOM, width: 20000, height: 2, fill: 1.5 })).toMatchObject({ width: 4000, height: 100, fill: 0.98 });
    expect(clampCustom({ ...DEFAULT_CUSTOM, width: 1200.4, fill: 0.1 })).toMatchObject({ width: 1200, fill: 0.3 });
  });

  it('says what a badge and a report mean', () => {
    const file = { itemId: 'i', source: 'a.jpg', presetLabel: '亚马逊 主图', path: '/x/a.jpg' };
    expect(badgeText({ ...file, ok: true, failures: [] })).toMatchObject({ ok: true, text: '合格' });
    expect(badgeText({ ...file, ok: false, failures: ['主体占比 72%，亚马逊要求 ≥ 85%', '尺寸 1×1，亚马逊要求 2000×2000'] })).toEqual({
      ok: false,
      text: '主体占比 72%，亚马逊要求 ≥ 85%',
      title: '主体占比 72%，亚马逊要求 ≥ 85%\n尺寸 1×1，亚马逊要求 2000×2000',
    });
    expect(
      reportSummary({
        dir: '/x',
        files: [
          { ...file, ok: true, failures: [] },
          { ...file, ok: false, failures: ['x'] },
        ],
        sheets: ['/s'],
        skipped: [],
      }),
    ).toBe('已导出 2 个文件，1 个未通过检查，1 张总览图');
  });
});
