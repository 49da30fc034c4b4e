/** IPC wiring: one handler per contract call, only for our own renderer frame; every state change pushed as a patch. */
import { ipcMain, type BrowserWindow } from 'electron';
import { INVOKE_CHANNELS, STATE_EVENT } from '../shared/contract.js';
import type { AppService } from '../core/app-service.js';
import type { Dispatch } from '../core/dispatcher.js';
import { isTrustedSender } from '../core/trust.js';

export function registerIpc(service: AppService, dispatch: Dispatch, rendererUrl: string, window: () => BrowserWindow | null): void {
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => {
      if (!isTrustedSender(event.senderFrame?.url, rendererUrl))
        return { ok: false, error: { code: 'FORBIDDEN', message: '不允许的调用来源' } };
      return dispatch(channel, args);
    });
  }
  service.onStateMessage((message) => {
    const w = window();
    if (w && !w.isDestroyed()) w.webContents.send(STATE_EVENT, message);
  });
}
