// HTTP helpers for tests that play several clients: HTTP Basic headers,
// and POSTs from a chosen loopback address (127.0.0.0/8 is all local on Linux).
import http from 'node:http';
import type { Reply } from './bridge-process.js';

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
