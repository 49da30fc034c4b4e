import { describe, expect, it } from 'vitest';
import { dropToast, MAX_TOASTS, pushToast, type Toast } from './toasts';

const toast = (id: number, message = `m${id}`): Toast => ({ id, kind: 'error', message });

describe('toasts', () => {
  it('keeps the newest few', () => {
    let list: Toast[] = [];
    for (let i = 1; i <= MAX_TOASTS + 2; i++) list = pushToast(list, toast(i));
    expect(list.map((t) => t.id)).toEqual([3, 4, 5]);
  });

  it('shows a repeated message once, as the newest', () => {
    const list = pushToast([toast(1, '网络错误'), toast(2, '别的')], toast(3, '网络错误'));
    expect(list.map((t) => t.id)).toEqual([2, 3]);
  });

  it('removes a dismissed toast', () => {
    expect(dropToast([toast(1), toast(2)], 1).map((t) => t.id)).toEqual([2]);
  });
});
