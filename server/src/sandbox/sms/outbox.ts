/** The sandbox SMS provider: "sends" login codes into an outbox kept under DATA_DIR/sandbox (readable by tests and the desktop's sandbox mode). */
import { join } from 'node:path';
import type { SmsSender } from '../../vendors/types.js';
import { JsonStore } from '../json-store.js';

export interface OutboxMessage {
  phone: string;
  code: string;
  sentAt: string;
}

const KEEP = 500;

export class SandboxSmsOutbox implements SmsSender {
  private readonly store: JsonStore<{ messages: OutboxMessage[] }>;
  constructor(dataDir: string) {
    this.store = new JsonStore(join(dataDir, 'sandbox', 'sms-outbox.json'), () => ({ messages: [] }));
  }
  async sendLoginCode(phone: string, code: string): Promise<void> {
    this.store.update((d) => {
      d.messages.unshift({ phone, code, sentAt: new Date().toISOString() });
      d.messages.length = Math.min(d.messages.length, KEEP);
    });
  }
  /** Newest first. */
  list(phone?: string): OutboxMessage[] {
    return this.store.value.messages.filter((m) => !phone || m.phone === phone);
  }
}
