/**
 * The preload: exposes `window.api`, one function per call of the IPC contract, plus the state subscription and
 * the path of a dropped file. No `ipcRenderer`, no Node, no tokens reach the renderer.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import {
  INVOKE_CHANNELS,
  NAVIGATE_EVENT,
  STATE_EVENT,
  type BridgeApi,
  type NavigateTarget,
  type StateMessage,
} from '../shared/contract.js';

const calls = Object.fromEntries(INVOKE_CHANNELS.map((channel) => [channel, (...args: unknown[]) => ipcRenderer.invoke(channel, ...args)]));

const api = {
  ...calls,
  pathForFile: (file: File) => webUtils.getPathForFile(file),
  onState(listener: (message: StateMessage) => void) {
    const handler = (_event: unknown, message: StateMessage) => listener(message);
    ipcRenderer.on(STATE_EVENT, handler);
    return () => {
      ipcRenderer.removeListener(STATE_EVENT, handler);
    };
  },
  onNavigate(listener: (target: NavigateTarget) => void) {
    const handler = (_event: unknown, target: NavigateTarget) => listener(target);
    ipcRenderer.on(NAVIGATE_EVENT, handler);
    return () => {
      ipcRenderer.removeListener(NAVIGATE_EVENT, handler);
    };
  },
} as BridgeApi;

contextBridge.exposeInMainWorld('api', api);
