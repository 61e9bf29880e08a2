// HTTP helpers for tests that play several clients: HTTP Basic headers,
// POSTs from a chosen loopback address (127.0.0.0/8 is all local on Linux),
// and the calls the wrong-password limit suites make (a register mount at
// /api/register with KEY, an admin mount at /api/admin, host localhost).
import http from 'node:http';
import type { BridgeProcess, Reply } from './bridge-process.js';
import { KEY, uniqueName } from './fixtures.js';

const HOST = 'localhost';

/** A fresh account with `password`, registered on the server directly. */
export async function newUser(server: { register(username: string, host: string, password: string): Promise<unknown> }, prefix: string, password = 'right'): Promise<string> {
  const username = uniqueName(prefix);
  await server.register(username, HOST, password);
  return username;
}

/** change_password through the register mount, given the old password. */
export const changePassword = (b: BridgeProcess, username: string, oldPassword: string, newPassword = `${oldPassword}-new`): Promise<Reply> =>
  b.post('/api/register/change_password', { key: KEY, username, host: HOST, old_password: oldPassword, new_password: newPassword });

/** check_account through the admin mount, with these headers (HTTP Basic credentials, say). */
export const adminCheck = (b: BridgeProcess, headers: Record<string, string>): Promise<Reply> =>
  b.post('/api/admin', { command: 'check_account', args: ['admin', HOST] }, headers);

export const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`,
});

/** A POST from a chosen loopback address (127.0.0.0/8 is all local on Linux): a client of its own for per_client. */
export function postFrom(localAddress: string, url: string, body: unknown, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', localAddress, headers: { 'content-type': 'application/json', ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          const replyHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) if (typeof value === 'string') replyHeaders.set(name, value);
          resolve({ status: response.statusCode ?? 0, headers: replyHeaders, text, json });
        });
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}
