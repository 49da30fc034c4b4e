/**
 * A tiny HTTP proxy between the app and the sandbox server whose "network" can be cut: while down, every open
 * connection and every new one is destroyed, so the app sees the same errors as on a dropped line.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ToggleProxy {
  url: string;
  readonly up: boolean;
  /** cuts (false) or restores (true) the line */
  setUp(up: boolean): void;
  /** `METHOD /path` of every request forwarded */
  forwarded: string[];
  close(): Promise<void>;
}

export async function startToggleProxy(target: string): Promise<ToggleProxy> {
  const to = new URL(target);
  const sockets = new Set<Socket>();
  let up = true;
  const forwarded: string[] = [];

  const server: Server = createServer((req, res) => {
    if (!up) return void req.socket.destroy();
    forwarded.push(`${req.method} ${req.url}`);
    const out = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  server.on('connection', (socket) => {
    if (!up) return void socket.destroy();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get up() {
      return up;
    },
    setUp(next) {
      up = next;
      if (!up) for (const s of sockets) s.destroy();
    },
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
