/** The model choice and the on-model warnings the new-batch form gets from the main process (core/model-options.ts). */
import { CATEGORIES, MODEL_IMAGE_RESTRICTIONS } from '@aizhao/shared';
import { describe, expect, it } from 'vitest';
import { modelImageWarnings, modelOptions, modelSuggestions } from '../../src/core/model-options.js';

describe('model options', () => {
  it('offers 女 / 男 / 童', () => {
    expect(modelOptions()).toEqual([
      { id: 'female', label: '女' },
      { id: 'male', label: '男' },
      { id: 'child', label: '童' },
    ]);
  });

  it('suggests 童 for 童装 only', () => {
    expect(modelSuggestions(CATEGORIES)).toEqual({ kids: 'child' });
    expect(modelSuggestions(['dress', 'coat'])).toEqual({});
  });

  it('warns for 内衣 and 泳装 (offered ones only), naming the marketplaces, and each rule has a source', () => {
    const warnings = modelImageWarnings(CATEGORIES);
    expect(Object.keys(warnings).sort()).toEqual(['swimwear', 'underwear']);
    expect(warnings.underwear).toMatch(/淘宝\/天猫/);
    expect(warnings.underwear).toMatch(/亚马逊/);
    expect(warnings.swimwear).toMatch(/亚马逊/);
    expect(modelImageWarnings(['dress', 'kids'])).toEqual({});
    for (const rules of Object.values(MODEL_IMAGE_RESTRICTIONS)) {
      for (const rule of rules ?? []) expect(rule.source).toMatch(/\w+\.\w+/);
    }
  });
});
