// A throwaway redis-server (Debian's package, scripts/install-redis) on a
// free loopback port, in a temp dir, keeping nothing on disk: for tests of
// limits shared across instances (limits.store). Ready once it logs so and
// answers a PING; never waited for by sleeping.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../harness/local.js';

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface ThrowawayRedis {
  /** redis://127.0.0.1:PORT, for limits.store. */
  url: string;
  port: number;
  /** Stops the server (SIGKILL: as if it died), keeping its port for start(). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** Stops it and removes its temp dir. Idempotent. */
  close(): Promise<void>;
}

export async function startRedis(): Promise<ThrowawayRedis> {
  if (!existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} is missing: run ./scripts/install-redis`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'redis-test-'));
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async () => {
    const started = spawn(
      REDIS_SERVER,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = started;
    const output: string[] = [];
    const exited = once(started, 'exit').then(([code]) => {
      throw new Error(`redis-server exited (${String(code)}) before it was ready:\n${output.join('\n')}`);
    });
    const ready = new Promise<void>((resolve) => {
      const onLine = (line: string) => {
        output.push(line);
        if (line.includes('Ready to accept connections')) resolve();
      };
      createInterface({ input: started.stdout }).on('line', onLine);
      createInterface({ input: started.stderr }).on('line', onLine);
    });
    await Promise.race([ready, exited]);
    exited.catch(() => undefined);
    const answer = await ping(port);
    if (answer !== '+PONG') throw new Error(`redis-server on ${port} answered PING with ${answer}`);
  };

  const stop = async () => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Sends PING over a fresh connection and answers the reply's first line. */
async function ping(port: number): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    socket.write('PING\r\n');
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    return chunk.toString('utf8').split('\r\n')[0] ?? '';
  } finally {
    socket.destroy();
  }
}
