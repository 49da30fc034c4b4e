/** The persistent store (electron-store: atomic writes under userData). */
import Store from 'electron-store';
import type { KeyValueStore } from '../core/ports.js';

export function electronStore(): KeyValueStore {
  // a corrupt file starts empty instead of crashing the app
  return new Store<Record<string, unknown>>({ name: 'aizhao', clearInvalidConfig: true }) as unknown as KeyValueStore;
}
