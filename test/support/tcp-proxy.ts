// A TCP proxy in front of a real server, for fault tests: it pipes, or
// resets each new connection as soon as the client starts its stream (a dying
// node, a load balancer giving up). Loopback only.
import { once } from 'node:events';
import net from 'node:net';

export type ProxyMode = 'pipe' | 'reset';

export interface TcpProxy {
  /** xmpp://127.0.0.1:PORT */
  service: string;
  /** What new connections get. */
  mode: ProxyMode;
  /** Connections reset so far. */
  resets: number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, mode: ProxyMode): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const proxy: TcpProxy = {
    service: '',
    mode,
    resets: 0,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = net.createServer((client) => {
    track(client);
    if (proxy.mode === 'reset') {
      // The client's stream header arrives: cut the connection with an RST.
      client.once('data', () => {
        proxy.resets += 1;
        client.resetAndDestroy();
      });
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  proxy.service = `xmpp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return proxy;
}
