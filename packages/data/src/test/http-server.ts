import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the test server answers one path. */
export type Route =
  | { kind: 'file'; body: Uint8Array }
  | { kind: 'drop'; body: Uint8Array; after: number }
  | { kind: 'status'; code: number };

/**
 * A loopback HTTP server for download tests: serves bytes built in the test, counts requests,
 * and closes itself after `lifetimeMs` even if a test forgets to.
 */
export async function startServer(
  routes: Map<string, Route>,
  lifetimeMs = 20_000,
): Promise<{ url: string; hits: Map<string, number>; close: () => Promise<void> }> {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (route === undefined) {
      res.writeHead(404, 'Not Found').end();
      return;
    }
    if (route.kind === 'status') {
      res.writeHead(route.code).end();
      return;
    }
    res.writeHead(200, { 'content-length': route.body.length, 'content-type': 'application/octet-stream' });
    if (route.kind === 'file') {
      res.end(route.body);
      return;
    }
    res.write(route.body.subarray(0, route.after), () => {
      setTimeout(() => res.socket?.destroy(), 20);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const timer = setTimeout(() => server.close(), lifetimeMs);
  timer.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
