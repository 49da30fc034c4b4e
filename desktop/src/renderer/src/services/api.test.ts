import { describe, expect, it, vi } from 'vitest';
import { INVOKE_CHANNELS, type BridgeApi } from '../../../shared/contract';
import { createApi, DesktopError, errorMessage, UNEXPECTED_ERROR, unwrap } from './api';

describe('unwrap', () => {
  it('returns the value of a successful call', () => {
    expect(unwrap({ ok: true, value: { batchId: 'b1' } })).toEqual({ batchId: 'b1' });
  });

  it('throws a DesktopError with the code and the Chinese message of a failed call', () => {
    const failed = { ok: false as const, error: { code: 'QUOTA_NOT_ENOUGH', message: '剩余次数不足' } };
    expect(() => unwrap(failed)).toThrow(DesktopError);
    try {
      unwrap(failed);
    } catch (e) {
      expect(e).toMatchObject({ code: 'QUOTA_NOT_ENOUGH', message: '剩余次数不足' });
      expect(errorMessage(e)).toBe('剩余次数不足');
    }
  });

  it('hides anything that is not a DesktopError behind a generic message', () => {
    expect(errorMessage(new TypeError('x is undefined'))).toBe(UNEXPECTED_ERROR);
  });
});

describe('createApi', () => {
  function fakeBridge() {
    const calls: [string, unknown[]][] = [];
    const bridge = Object.fromEntries(
      INVOKE_CHANNELS.map((c) => [
        c,
        async (...args: unknown[]) => {
          calls.push([c, args]);
          return c === 'login' ? { ok: false, error: { code: 'INVALID_CODE', message: '验证码错误' } } : { ok: true, value: `${c}-result` };
        },
      ]),
    ) as unknown as BridgeApi;
    bridge.pathForFile = (file: File) => `/local/${file.name}`;
    bridge.onState = vi.fn(() => () => undefined);
    return { bridge, calls };
  }

  it('forwards every channel with its arguments and unwraps the answer', async () => {
    const { bridge, calls } = fakeBridge();
    const api = createApi(() => bridge);
    expect(await api.startBatch({ type: 'basic_clean', params: {} })).toBe('startBatch-result');
    expect(await api.addFiles(['/a.jpg', '/b.png'])).toBe('addFiles-result');
    expect(calls).toEqual([
      ['startBatch', [{ type: 'basic_clean', params: {} }]],
      ['addFiles', [['/a.jpg', '/b.png']]],
    ]);
    for (const channel of INVOKE_CHANNELS) expect(typeof api[channel]).toBe('function');
  });

  it('rejects with a DesktopError when main answers an error', async () => {
    const { bridge } = fakeBridge();
    await expect(createApi(() => bridge).login('13812345678', '000000')).rejects.toMatchObject({
      code: 'INVALID_CODE',
      message: '验证码错误',
    });
  });

  it('looks the bridge up at call time and passes pathForFile and onState through', () => {
    const holder: { bridge?: BridgeApi } = {};
    const api = createApi(() => holder.bridge!);
    const fake = fakeBridge();
    holder.bridge = fake.bridge;
    expect(api.pathForFile(new File(['x'], 'a.jpg'))).toBe('/local/a.jpg');
    const listener = () => undefined;
    api.onState(listener);
    expect(fake.bridge.onState).toHaveBeenCalledWith(listener);
  });
});
