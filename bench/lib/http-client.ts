// A small keep-alive HTTP/1.1 client on node:http (cheaper per request than
// fetch), so the load generator stays a small part of the CPU measured.
import http from 'node:http';

export interface HttpReply {
  status: number;
  text: string;
}

export class HttpTarget {
  readonly origin: string;
  readonly #hostname: string;
  readonly #port: number;
  /** One socket per request in flight, kept open between requests. */
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });

  constructor(origin: string) {
    const url = new URL(origin);
    this.origin = url.origin;
    this.#hostname = url.hostname;
    this.#port = Number(url.port);
  }

  get(path: string, headers: Record<string, string> = {}): Promise<HttpReply> {
    return this.request('GET', path, undefined, headers);
  }

  post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpReply> {
    return this.request('POST', path, JSON.stringify(body), headers);
  }

  /**
   * A server may close an idle kept-alive socket just as a request goes out
   * on it; that request (and only that kind of failure) is sent once more on
   * a new socket, as Node's documentation recommends.
   */
  async request(method: string, path: string, body: string | undefined, headers: Record<string, string> = {}): Promise<HttpReply> {
    try {
      return await this.#once(method, path, body, headers);
    } catch (error) {
      if ((error as { reusedSocket?: boolean }).reusedSocket && (error as NodeJS.ErrnoException).code === 'ECONNRESET') {
        return this.#once(method, path, body, headers);
      }
      throw error;
    }
  }

  close(): void {
    this.#agent.destroy();
  }

  #once(method: string, path: string, body: string | undefined, headers: Record<string, string>): Promise<HttpReply> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          hostname: this.#hostname,
          port: this.#port,
          path,
          method,
          agent: this.#agent,
          headers:
            body === undefined
              ? headers
              : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('error', (error: Error & { reusedSocket?: boolean }) => {
        error.reusedSocket = req.reusedSocket;
        reject(error);
      });
      req.end(body);
    });
  }
}
