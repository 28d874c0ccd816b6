/**
 * @module serve/server
 * The HTTP server of a running pipeline: the page, JSON APIs, and (later stages) live updates.
 * Routes are registered by name so each feature adds its own file.
 *
 * @example
 * const srv = await startServer({ db, host: '127.0.0.1', port: 8080 });
 * console.log(srv.url);
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from '../store/database.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface RouteContext {
  db: Database;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
}

export type Handler = (ctx: RouteContext) => Promise<void> | void;

export interface ServerOptions {
  db: Database;
  host?: string;
  port?: number;
  routes?: Record<string, Handler>;
}

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? Number(v) : v));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const TABLES = ['events', 'messages', 'tickets', 'promises', 'broadcasts', 'impacts', 'incidents', 'csat', 'dead_letters'];

async function counts(db: Database): Promise<Record<string, number>> {
  const sql = TABLES.map((t) => `SELECT '${t}' AS t, count(*) AS n FROM ${t}`).join(' UNION ALL ');
  const rows = await db.query<{ t: string; n: bigint }>(sql);
  return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
}

const defaultRoutes: Record<string, Handler> = {
  'GET /api/health': ({ res }) => sendJson(res, 200, { ok: true }),
  'GET /api/counts': async ({ db, res }) => sendJson(res, 200, await counts(db)),
  'GET /': async ({ db, res }) => {
    const c = await counts(db);
    const rows = Object.entries(c)
      .map(([t, n]) => `<tr><td>${escapeHtml(t)}</td><td style="text-align:right">${n.toLocaleString('en')}</td></tr>`)
      .join('');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>crisiscx</title></head>
<body style="font-family:system-ui;margin:2rem"><h1>crisiscx</h1><p>Stored so far:</p><table>${rows}</table></body></html>`);
  },
};

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const routes = { ...defaultRoutes, ...options.routes };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handler = routes[`${req.method} ${url.pathname}`];
    if (!handler) {
      sendJson(res, 404, { error: `no route ${req.method} ${url.pathname}` });
      return;
    }
    Promise.resolve(handler({ db: options.db, req, res, url })).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (!res.headersSent) sendJson(res, status, { error: err instanceof Error ? err.message : String(err) });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
