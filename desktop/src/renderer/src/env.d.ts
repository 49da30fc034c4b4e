/// <reference types="vite/client" />
/** Globals of the renderer: the preload's bridge (and, from vite/client, CSS files imported for their side effect). */
import type { BridgeApi } from '../../shared/contract';

declare global {
  interface Window {
    api: BridgeApi;
  }
}
