/**
 * A local HTTPS server with a self-signed certificate for a named host (and 127.0.0.1), answering JSON as a test
 * says: the stand-in for Tencent Cloud API hosts (STS, SMS) whose SDKs only speak https. `agent` trusts its CA
 * and resolves the host to 127.0.0.1, so an SDK signs exactly what it would sign for the real host.
 */
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { emulatorAgent, selfSignedCertificate } from '../../src/sandbox/tls.js';

export { selfSignedCertificate };

export interface HttpsFake {
  port: number;
  /** the self-signed certificate (PEM), to trust */
  ca: string;
  /** trusts `ca` and sends `hostname` to 127.0.0.1 */
  agent: https.Agent;
  /** requests received (body text) */
  received: string[];
  /** what to answer (default 200 `{}`), given the body and the request headers; 'hangup': take the request, then close the connection without an answer */
  respond: (body: string, headers?: IncomingHttpHeaders) => { status: number; body: unknown } | 'hangup';
  close(): Promise<void>;
}

export async function startHttpsFake(hostname: string): Promise<HttpsFake> {
  const pems = await selfSignedCertificate(hostname);
  const fake: HttpsFake = {
    port: 0,
    ca: pems.cert,
    agent: emulatorAgent({ ca: pems.cert, hostnames: [hostname], address: '127.0.0.1' }),
    received: [],
    respond: () => ({ status: 200, body: {} }),
    close: async () => undefined,
  };
  const server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      fake.received.push(body);
      const answer = fake.respond(body, req.headers);
      if (answer === 'hangup') return void req.socket.destroy();
      res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.port = (server.address() as AddressInfo).port;
  fake.close = async () => {
    fake.agent.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}
