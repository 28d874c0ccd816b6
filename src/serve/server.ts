/**
 * @module serve/server
 * The HTTP server of a running pipeline: the page, JSON APIs, the SQL API, live updates and
 * metrics. Routes are registered by name ("GET /api/counts", or "GET /assets/*" for a prefix), so
 * each feature adds its own; every route passes the same gate first: Host check, access token
 * (bearer header or login cookie), cross-site check, security headers, body size limit.
 * See docs/security.md.
 *
 * @example
 * const srv = await startServer({ db, ...serverOptions(config.serve) });
 * console.log(srv.url);
 * await srv.close();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../contract/clock.js';
import { formatIssues } from '../normalize/reasons.js';
import type { Database } from '../store/database.js';
import { Auth, checkExposure, resolveToken, type AuthMethod } from './auth.js';
import type { ServeConfig, SqlApiConfig } from './config.js';
import { SqlApi, SqlApiError, SqlRequest } from './sql-api.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpError';
  }
}

export interface RouteContext {
  db: Database;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** How the request got in: `open` (loopback, no token configured), `bearer` or `cookie`. */
  auth: AuthMethod;
  /** The request body, refused with 413 past `limitBytes` (default: the server's max_body_bytes). */
  body(limitBytes?: number): Promise<Buffer>;
}

export type Handler = (ctx: RouteContext) => Promise<void> | void;

export interface ServerOptions {
  db: Database;
  host?: string;
  port?: number;
  /** Extra routes by "METHOD /path" (or "METHOD /prefix/*"); they override the defaults. */
  routes?: Record<string, Handler>;
  /** The access token. Required to bind beyond loopback; when set, every route but health and login needs it. */
  token?: string;
  /** Where the token comes from, for messages (never the token itself). */
  tokenSource?: string;
  /** Extra names the Host header may carry. */
  allowedHosts?: string[];
  sessionTtlSecs?: number;
  maxBodyBytes?: number;
  /** The SQL API's limits, or false for none. Default: on, with the defaults of serve.sql_api. */
  sqlApi?: Partial<SqlApiConfig> | false;
  clock?: Clock;
  /** Where server errors are reported (never request headers or tokens). */
  log?: (line: string) => void;
}

export interface RunningServer {
  /** The bound address, e.g. http://127.0.0.1:8080. */
  url: string;
  /** What to open in a browser: the bound address, or this machine's name when bound to all interfaces. */
  accessUrl: string;
  /** True when requests need the token. */
  protected: boolean;
  /** One line for logs: where to open it and how to get in (never the token). */
  describeAccess(): string;
  server: Server;
  close(): Promise<void>;
}

/** The server options a `serve` config section gives (the token read from its variable or file). */
export function serverOptions(serve: ServeConfig, env: NodeJS.ProcessEnv = process.env): Omit<ServerOptions, 'db'> {
  const { token, source } = resolveToken(serve, env);
  checkExposure(serve.host, token, source);
  return {
    host: serve.host,
    port: serve.port,
    ...(token !== undefined ? { token } : {}),
    tokenSource: source,
    allowedHosts: serve.allowed_hosts,
    sessionTtlSecs: serve.session_ttl_secs,
    maxBodyBytes: serve.max_body_bytes,
    sqlApi: serve.sql_api.enabled ? serve.sql_api : false,
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(html);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The CSP source for an inline script or style: `'sha256-…'`. */
export function cspHash(inline: string): string {
  return `'sha256-${createHash('sha256').update(inline, 'utf8').digest('base64')}'`;
}

/**
 * The Content-Security-Policy every response carries: same-origin everything, no inline script
 * unless its hash is listed, no framing. A page with an inline script passes its hashes and sets
 * the header itself.
 */
export function contentSecurityPolicy(options: { scriptHashes?: string[] } = {}): string {
  return [
    "default-src 'self'",
    `script-src 'self'${(options.scriptHashes ?? []).map((h) => ` ${h}`).join('')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': contentSecurityPolicy(),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** Reads a request body, refusing it with 413 as soon as it passes `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, `request body is larger than ${limit} bytes (serve.max_body_bytes)`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        parts.length = 0;
        reject(tooLarge());
        req.resume();
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(parts));
    });
    req.on('error', (err) => {
      if (!failed) reject(new HttpError(400, `could not read the request body: ${err.message}`, { cause: err }));
    });
  });
}

/** Parses a JSON body; a bad one is a 400 that says why. */
export async function readJson(ctx: RouteContext, limitBytes?: number): Promise<unknown> {
  const buf = await ctx.body(limitBytes);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf));
  } catch (err) {
    throw new HttpError(400, `the request body is not valid UTF-8 JSON: ${(err as Error).message.slice(0, 200)}`);
  }
}

const TABLES = ['events', 'messages', 'tickets', 'promises', 'broadcasts', 'impacts', 'incidents', 'csat', 'dead_letters'];

async function counts(db: Database): Promise<Record<string, number>> {
  const sql = TABLES.map((t) => `SELECT '${t}' AS t, count(*) AS n FROM ${t}`).join(' UNION ALL ');
  const rows = await db.query<{ t: string; n: bigint }>(sql);
  return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
}

const PAGE_STYLE = 'body{font-family:system-ui,sans-serif;margin:2rem;max-width:40rem}td.n{text-align:right}label,input,button{font:inherit}input{width:100%;margin:.5rem 0 1rem}p.error{color:#b00020}';

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head><body>${body}</body></html>`;
}

/** Only a path on this server: never `//other.host` or `https://…` (no open redirects). */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || /[\u0000-\u001f]/.test(next)) return '/';
  return next.slice(0, 2000);
}

function loginPage(next: string, error?: string): string {
  return page(
    'crisiscx — sign in',
    `<h1>crisiscx</h1><p>This server needs its access token.</p>` +
      (error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '') +
      `<form method="post" action="/login"><label for="token">Access token</label>` +
      `<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>` +
      `<input type="hidden" name="next" value="${escapeHtml(safeNext(next))}">` +
      `<button type="submit">Sign in</button></form>`,
  );
}

const defaultRoutes: Record<string, Handler> = {
  'GET /api/health': ({ res }) => sendJson(res, 200, { ok: true }),
  'GET /api/counts': async ({ db, res }) => sendJson(res, 200, await counts(db)),
  'GET /': async ({ db, res }) => {
    const c = await counts(db);
    const rows = Object.entries(c)
      .map(([t, n]) => `<tr><td>${escapeHtml(t)}</td><td class="n">${n.toLocaleString('en')}</td></tr>`)
      .join('');
    sendHtml(res, 200, page('crisiscx', `<h1>crisiscx</h1><p>Stored so far:</p><table>${rows}</table>`));
  },
};

/** Routes anyone may call: liveness, and the login form itself. */
const PUBLIC_ROUTES = new Set(['GET /api/health', 'GET /login', 'POST /login', 'POST /logout']);

function findRoute(routes: Record<string, Handler>, method: string, path: string): { key: string; handler: Handler } | undefined {
  const exact = `${method} ${path}`;
  if (routes[exact]) return { key: exact, handler: routes[exact] };
  let best: { key: string; handler: Handler } | undefined;
  for (const [key, handler] of Object.entries(routes)) {
    if (!key.endsWith('/*')) continue;
    const [m, prefix] = [key.slice(0, key.indexOf(' ')), key.slice(key.indexOf(' ') + 1, -1)];
    if (m === method && path.startsWith(prefix) && (!best || key.length > best.key.length)) best = { key, handler };
  }
  return best;
}

function pathExists(routes: Record<string, Handler>, path: string): boolean {
  return Object.keys(routes).some((k) => {
    const p = k.slice(k.indexOf(' ') + 1);
    return p === path || (p.endsWith('/*') && path.startsWith(p.slice(0, -1)));
  });
}

function wantsHtml(req: IncomingMessage): boolean {
  return req.method === 'GET' && /\btext\/html\b/.test(req.headers.accept ?? '');
}

function isHttps(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true || String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim() === 'https';
}

/**
 * A browser request that did not come from this server's own pages. Browsers say so in
 * Sec-Fetch-Site; older ones only in Origin. Clients that send neither (curl, Grafana) are not
 * browsers and carry no ambient cookie worth forging.
 */
function crossSite(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site !== 'same-origin' && site !== 'none';
  const origin = req.headers.origin;
  if (!origin) return false;
  if (origin === 'null') return true;
  try {
    return new URL(origin).host !== (req.headers.host ?? '');
  } catch {
    return true;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  checkExposure(host, options.token, options.tokenSource);
  const auth = new Auth({
    token: options.token,
    host,
    allowedHosts: options.allowedHosts,
    sessionTtlSecs: options.sessionTtlSecs,
    clock: options.clock,
  });
  const maxBody = options.maxBodyBytes ?? 1 << 20;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const sqlApi = options.sqlApi === false ? undefined : await SqlApi.create(options.db, options.sqlApi ?? {});

  const builtin: Record<string, Handler> = {
    'GET /login': ({ res, url }) => {
      if (!auth.required) return void res.writeHead(303, { location: safeNext(url.searchParams.get('next')) }).end();
      sendHtml(res, 200, loginPage(url.searchParams.get('next') ?? '/'));
    },
    'POST /login': async (ctx) => {
      const { req, res } = ctx;
      if (!auth.required) return void res.writeHead(303, { location: '/' }).end();
      if (crossSite(req)) throw new HttpError(403, 'refused: a login form on another site cannot sign in here');
      const addr = req.socket.remoteAddress ?? 'unknown';
      const form = new URLSearchParams((await ctx.body(8192)).toString('utf8'));
      const next = safeNext(form.get('next'));
      if (!auth.loginAllowed(addr)) {
        sendHtml(res, 429, loginPage(next, 'Too many wrong tokens from your address; wait a minute and try again.'), { 'retry-after': '60' });
        return;
      }
      if (!auth.checkToken(form.get('token') ?? '')) {
        auth.loginFailed(addr);
        sendHtml(res, 401, loginPage(next, 'That token is not right.'));
        return;
      }
      res.writeHead(303, { location: next, 'set-cookie': auth.sessionCookie(isHttps(req)), 'cache-control': 'no-store' });
      res.end();
    },
    'POST /logout': ({ res }) => {
      res.writeHead(303, { location: auth.required ? '/login' : '/', 'set-cookie': auth.clearCookie() });
      res.end();
    },
  };
  if (sqlApi) {
    builtin['POST /api/sql'] = async (ctx) => {
      const parsed = SqlRequest.safeParse(await readJson(ctx), { reportInput: true });
      if (!parsed.success) throw new HttpError(400, `bad request: ${formatIssues(parsed.error.issues)}; send {"sql": "SELECT ...", "params": [...]}`);
      const { sql, params, max_rows, shape } = parsed.data;
      try {
        sendJson(ctx.res, 200, await sqlApi.query(sql, params, { maxRows: max_rows, shape }));
      } catch (err) {
        if (err instanceof SqlApiError) throw new HttpError(err.status, err.message, { cause: err });
        throw err;
      }
    };
  }
  const routes: Record<string, Handler> = { ...defaultRoutes, ...builtin, ...options.routes };

  const unauthorized = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (wantsHtml(req)) {
      sendHtml(res, 401, loginPage(url.pathname + url.search));
      return;
    }
    sendJson(
      res,
      401,
      { error: `authentication required: send "Authorization: Bearer <token>" with the token from the ${options.tokenSource ?? 'configured token'}, or sign in at /login` },
      { 'www-authenticate': 'Bearer realm="crisiscx"' },
    );
  };

  const server = createServer((req, res) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendJson(res, 400, { error: 'the request target is not a valid URL path' });
      return;
    }
    const badHost = auth.checkHost(req);
    if (badHost) {
      sendJson(res, 421, { error: badHost });
      return;
    }
    const route = findRoute(routes, method, url.pathname);
    let how: AuthMethod | undefined = auth.authenticate(req);
    if (!how) {
      if (!route || !PUBLIC_ROUTES.has(route.key)) {
        unauthorized(req, res, url);
        return;
      }
      how = 'open';
    }
    // Cookies ride along on cross-site requests that browsers still send (top-level form posts);
    // a state-changing request authenticated by cookie must come from this server's own pages.
    if (how === 'cookie' && !['GET', 'HEAD', 'OPTIONS'].includes(method) && crossSite(req)) {
      sendJson(res, 403, { error: 'refused: cross-site request (it did not come from a page of this server)' });
      return;
    }
    if (!route) {
      if (pathExists(routes, url.pathname)) sendJson(res, 405, { error: `${method} is not supported on ${url.pathname}` });
      else sendJson(res, 404, { error: `no route ${method} ${url.pathname}` });
      return;
    }
    const ctx: RouteContext = { db: options.db, req, res, url, auth: how, body: (limit = maxBody) => readBody(req, Math.min(limit, maxBody)) };
    Promise.resolve()
      .then(() => route.handler(ctx))
      .catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        const message = err instanceof Error ? err.message : String(err);
        if (status >= 500 && !(err instanceof HttpError)) log(`crisiscx: ${method} ${url.pathname} failed: ${message}`);
        if (!res.headersSent) sendJson(res, status, { error: message }, status === 413 ? { connection: 'close' } : {});
        else res.end();
      });
  });
  // Slow or stuck clients may not hold sockets open for ever (live streams are responses, unaffected).
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8080, host, () => resolve());
    });
  } catch (err) {
    await sqlApi?.close();
    throw err;
  }
  const addr = server.address() as AddressInfo;
  auth.cookieName = `crisiscx_session_${addr.port}`;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${shown}:${addr.port}`;
  const wildcard = addr.address === '0.0.0.0' || addr.address === '::';
  const accessUrl = wildcard ? `http://${hostname()}:${addr.port}` : url;
  return {
    url,
    accessUrl,
    protected: auth.required,
    describeAccess() {
      const open = wildcard ? `${url}, open ${accessUrl}` : accessUrl;
      return auth.required
        ? `${open} — access needs the token from the ${options.tokenSource ?? 'configured token'} (sign in at /login, or send "Authorization: Bearer <token>")`
        : `${open} — open to this machine only (no access token set)`;
    },
    server,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await sqlApi?.close();
    },
  };
}
