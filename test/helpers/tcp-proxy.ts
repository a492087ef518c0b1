import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Drops every connection and refuses new ones, as a service that went down. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  /**
   * Cuts, as `cut` does, when the app sends bytes matching `pattern` (read as Latin-1) for the
   * `nth` time from now, before they reach the service: a service lost at that very step.
   */
  cutOn(pattern: RegExp, nth?: number): void;
  /** Holds what the app sends, on open connections and new ones, as a service that stopped answering. */
  stall(): void;
  /** Passes on what was held, and what follows. */
  resume(): void;
  close(): Promise<void>;
}

/** A TCP proxy on 127.0.0.1 in front of `host:port`, to take a real service away from the app and back. */
export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  /** The app's side of each connection: what `stall` stops reading. */
  const clients = new Set<Socket>();
  let stalled = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const listen = (server: Server, at: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const newServer = () =>
    createServer((client) => {
      const upstream = connect(port, host);
      track(client);
      track(upstream);
      clients.add(client);
      client.on('close', () => clients.delete(client));
      if (stalled) client.pause();
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('data', (chunk: Buffer) => {
        if (trigger?.pattern.test(chunk.toString('latin1')) && --trigger.left === 0) {
          trigger = undefined;
          void stop();
        } else upstream.write(chunk);
      });
      client.on('end', () => upstream.end());
      upstream.pipe(client);
    });
  let trigger: { pattern: RegExp; left: number } | undefined;
  let server = newServer();
  const proxyPort = await listen(server, 0);
  const stop = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    port: proxyPort,
    cut: stop,
    cutOn: (pattern, nth = 1) => {
      trigger = { pattern, left: nth };
    },
    stall: () => {
      stalled = true;
      for (const client of clients) client.pause();
    },
    resume: () => {
      stalled = false;
      for (const client of clients) client.resume();
    },
    async restore() {
      server = newServer();
      await listen(server, proxyPort);
    },
    close: () => (server.listening ? stop() : Promise.resolve()),
  };
}
