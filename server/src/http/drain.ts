/**
 * Draining the HTTP server for a graceful shutdown (a PM2 reload, SIGTERM from systemd): once draining, every answer
 * carries `Connection: close`, so a keep-alive client moves to a new connection (under PM2, another instance) after
 * its current response instead of having the socket cut under a request it is sending. Idle keep-alive connections
 * are kept for a short grace (a request arriving on one is still answered), then closed; at the deadline whatever is
 * left is cut.
 */
import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

export interface Drainer {
  readonly draining: boolean;
  /** requests being answered right now */
  readonly inFlight: number;
  /** from now on every answer closes its connection */
  begin(): void;
  /** stops accepting connections (the open ones stay until they end) */
  closeListener(): void;
  /** resolves once every connection has ended; cuts them at `deadline` (epoch ms) and then resolves true */
  settle(idleGraceMs: number, deadline: number): Promise<boolean>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function trackConnections(server: Server): Drainer {
  const sockets = new Set<Socket>();
  const answering = new Set<ServerResponse>();
  let draining = false;
  let listenerClosed = false;

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // before the app's own listener, so that the header is there whatever the app sends
  server.prependListener('request', (_req, res: ServerResponse) => {
    answering.add(res);
    res.once('close', () => answering.delete(res));
    if (draining) res.setHeader('Connection', 'close');
  });

  return {
    get draining() {
      return draining;
    },
    get inFlight() {
      return answering.size;
    },
    begin() {
      if (draining) return;
      draining = true;
      for (const res of answering) if (!res.headersSent) res.setHeader('Connection', 'close');
    },
    closeListener() {
      if (listenerClosed) return;
      listenerClosed = true;
      // net.Server's close, not http.Server's: Node's http close() also cuts every idle keep-alive connection at once,
      // racing a request the client may be sending on it right now; those get the grace period instead (settle).
      NetServer.prototype.close.call(server, () => undefined);
    },
    async settle(idleGraceMs, deadline) {
      const graceEnd = Date.now() + idleGraceMs;
      for (;;) {
        if (sockets.size === 0) return false;
        const now = Date.now();
        if (now >= deadline) {
          server.closeAllConnections();
          for (const s of sockets) s.destroy();
          return true;
        }
        if (now >= graceEnd) server.closeIdleConnections();
        await sleep(20);
      }
    },
  };
}
