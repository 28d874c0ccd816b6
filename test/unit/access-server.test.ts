import { request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/contract/clock.js';
import { AccessConfigError, isLoopbackHost, resolveToken, sameSecret } from '../../src/serve/auth.js';
import { ServeConfig } from '../../src/serve/config.js';
import { sendJson, serverOptions, startServer, type Handler, type RunningServer } from '../../src/serve/server.js';
import { Database } from '../../src/store/database.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('crisiscx-access-');
const TOKEN = 'k7Yq2-this-is-a-long-test-token-3f9a';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request (fetch will not let a test set Host or a huge Content-Length). */
function http(base: string, method: string, path: string, options: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, base);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const bearer = { authorization: `Bearer ${TOKEN}` };

// Routes other features add through the `routes` option: a metrics page and a live stream.
const extraRoutes: Record<string, Handler> = {
  'GET /metrics': ({ res }) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('cx_events_total 3\n');
  },
  'GET /api/live': ({ res }) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('data: {"ok":true}\n\n');
  },
  'GET /api/echo': ({ res, url }) => sendJson(res, 200, { q: url.searchParams.get('q') }),
};

let db: Database;
beforeAll(async () => {
  db = await Database.open(join(dir, 'db.duckdb'));
  await db.run(
    `INSERT INTO messages (id, ts, brand, conversation_id, channel, direction, text, public) VALUES ('x1', now(), 'default', 'c', 'chat', 'inbound', '<img src=x onerror=alert(1)>', true)`,
  );
});
afterAll(async () => {
  await db?.close();
});

describe('exposure rules', () => {
  it('binds to loopback by default and knows what loopback is', async () => {
    const cfg = ServeConfig.parse({});
    expect(cfg.host).toBe('127.0.0.1');
    for (const h of ['127.0.0.1', '127.8.0.1', '::1', '[::1]', 'localhost', 'LOCALHOST']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'example.org', '::ffff:10.0.0.1']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('refuses to listen beyond loopback without a token, saying which variable to set', async () => {
    const cfg = ServeConfig.parse({ host: '0.0.0.0', port: 0 });
    expect(() => serverOptions(cfg, {})).toThrow(AccessConfigError);
    expect(() => serverOptions(cfg, {})).toThrow(/serve\.host is "0\.0\.0\.0", which exposes the server beyond this machine, but no access token is set\. Put a long random secret in the environment variable CRISISCX_TOKEN/);
    await expect(startServer({ db, host: '0.0.0.0', port: 0 })).rejects.toThrow(/no access token is set/);
  });

  it('listens beyond loopback with a token, which then guards every request', async () => {
    const cfg = ServeConfig.parse({ host: '0.0.0.0', port: 0, token_env: 'MY_CX_TOKEN' });
    const srv = await startServer({ db, ...serverOptions(cfg, { MY_CX_TOKEN: TOKEN }) });
    try {
      expect(srv.protected).toBe(true);
      expect(srv.describeAccess()).toMatch(/access needs the token from the environment variable MY_CX_TOKEN/);
      expect(srv.describeAccess()).not.toContain(TOKEN);
      const port = new URL(srv.url).port;
      expect((await http(`http://127.0.0.1:${port}`, 'GET', '/api/counts')).status).toBe(401);
      expect((await http(`http://127.0.0.1:${port}`, 'GET', '/api/counts', { headers: bearer })).status).toBe(200);
    } finally {
      await srv.close();
    }
  });

  it('reads the token from a file, and refuses short or unreadable ones with the fix', () => {
    const f = join(dir, 'token');
    writeFileSync(f, `${TOKEN}\n`);
    expect(resolveToken({ token_env: 'NOPE', token_file: f }, {}).token).toBe(TOKEN);
    expect(resolveToken({ token_env: 'T', token_file: f }, { T: 'from-env-wins-0123456789' }).token).toBe('from-env-wins-0123456789');
    expect(() => resolveToken({ token_env: 'T' }, { T: 'short' })).toThrow(/environment variable T is 5 characters long; use at least 16 \(e\.g\. the output of: openssl rand -hex 32\)/);
    expect(() => resolveToken({ token_env: 'T', token_file: join(dir, 'missing') }, {})).toThrow(/cannot read the access token from .*missing \(serve\.token_file\): ENOENT.*Fix the path, or set the environment variable T instead/);
    expect(() => ServeConfig.parse({ token_env: 'not a name' })).toThrow(/an environment variable name such as CRISISCX_TOKEN/);
    expect(() => ServeConfig.parse({ token: TOKEN })).toThrow(/Unrecognized key/);
  });

  it('compares secrets whatever their lengths', () => {
    expect(sameSecret(TOKEN, TOKEN)).toBe(true);
    expect(sameSecret(TOKEN, `${TOKEN}x`)).toBe(false);
    expect(sameSecret('', TOKEN)).toBe(false);
  });
});

describe('open on loopback (no token)', () => {
  let srv: RunningServer;
  beforeAll(async () => {
    srv = await startServer({ db, port: 0, routes: extraRoutes });
  });
  afterAll(async () => srv?.close());

  it('serves the page with security headers', async () => {
    const r = await http(srv.url, 'GET', '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(r.headers['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    expect(r.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.body).not.toMatch(/<script/i);
    expect(srv.describeAccess()).toMatch(/open to this machine only/);
  });

  it('answers only to loopback names in Host (no DNS rebinding)', async () => {
    const port = new URL(srv.url).port;
    expect((await http(srv.url, 'GET', '/api/counts', { headers: { host: `localhost:${port}` } })).status).toBe(200);
    expect((await http(srv.url, 'GET', '/api/counts', { headers: { host: `[::1]:${port}` } })).status).toBe(200);
    const evil = await http(srv.url, 'GET', '/api/counts', { headers: { host: `attacker.example:${port}` } });
    expect(evil.status).toBe(421);
    expect(JSON.parse(evil.body).error).toMatch(/Host "attacker\.example:\d+" is not allowed: this server is open to this machine only/);
  });
});

describe('guarded by a token', () => {
  let srv: RunningServer;
  const clock = new ManualClock(Date.UTC(2026, 2, 14, 10));
  const logs: string[] = [];
  beforeAll(async () => {
    srv = await startServer({ db, port: 0, token: TOKEN, tokenSource: 'environment variable CRISISCX_TOKEN', routes: extraRoutes, clock, sessionTtlSecs: 3600, maxBodyBytes: 64 * 1024, log: (l) => logs.push(l) });
  });
  afterAll(async () => srv?.close());

  const cookieOf = (r: Reply) => String((r.headers['set-cookie'] as string[] | undefined)?.[0] ?? '').split(';')[0]!;
  const login = async (token: string, next = '/') =>
    http(srv.url, 'POST', '/login', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, next }).toString(),
    });

  it.each([
    ['GET', '/'],
    ['GET', '/api/counts'],
    ['GET', '/metrics'],
    ['GET', '/api/live'],
    ['POST', '/api/sql'],
    ['GET', '/no/such/route'],
  ])('answers 401 to %s %s without a token', async (method, path) => {
    const r = await http(srv.url, method, path, { body: method === 'POST' ? '{"sql":"SELECT 1"}' : undefined });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="crisiscx"');
    expect(JSON.parse(r.body).error).toMatch(/authentication required: send "Authorization: Bearer <token>" with the token from the environment variable CRISISCX_TOKEN, or sign in at \/login/);
  });

  it('answers 401 to a wrong or malformed bearer token, 200 to the right one', async () => {
    for (const h of [`Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN, 'Bearer ']) {
      expect((await http(srv.url, 'GET', '/metrics', { headers: { authorization: h } })).status, h).toBe(401);
    }
    const ok = await http(srv.url, 'GET', '/metrics', { headers: bearer });
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('cx_events_total 3\n');
    expect((await http(srv.url, 'GET', '/api/live', { headers: bearer })).headers['content-type']).toBe('text/event-stream');
  });

  it('keeps health open for load balancers, and says nothing there', async () => {
    const r = await http(srv.url, 'GET', '/api/health');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ ok: true });
  });

  it('shows a browser the login form (401), with the requested page escaped into it', async () => {
    const r = await http(srv.url, 'GET', '/x?a="><script>alert(1)</script>', { headers: { accept: 'text/html' } });
    expect(r.status).toBe(401);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body).toContain('<form method="post" action="/login">');
    expect(r.body).not.toContain('<script>alert(1)');
    expect(r.body).toContain('value="/x?a=%22%3E%3Cscript%3Ealert(1)%3C/script%3E"');
  });

  it('signs in with the form: an HttpOnly SameSite=Strict cookie that does not carry the token', async () => {
    const bad = await login('wrong-token-wrong-token');
    expect(bad.status).toBe(401);
    expect(bad.body).toContain('That token is not right.');
    expect(bad.headers['set-cookie']).toBeUndefined();

    const r = await login(TOKEN, '/api/counts');
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/api/counts');
    const setCookie = (r.headers['set-cookie'] as string[])[0]!;
    expect(setCookie).toMatch(/^crisiscx_session_\d+=v1\.\d+\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=3600; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(TOKEN);

    const cookie = cookieOf(r);
    expect((await http(srv.url, 'GET', '/api/counts', { headers: { cookie } })).status).toBe(200);
    expect((await http(srv.url, 'GET', '/api/live', { headers: { cookie } })).status).toBe(200);
  });

  it('never redirects off the server after login', async () => {
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
      expect((await login(TOKEN, next)).headers.location, next).toBe('/');
    }
  });

  it('expires sessions, and rejects forged or altered cookies', async () => {
    const cookie = cookieOf(await login(TOKEN));
    const [name, value] = cookie.split('=') as [string, string];
    const [, expires, sig] = value.split('.');
    const forged = `${name}=v1.${Number(expires) + 1e9}.${sig}`;
    expect((await http(srv.url, 'GET', '/api/counts', { headers: { cookie: forged } })).status).toBe(401);
    expect((await http(srv.url, 'GET', '/api/counts', { headers: { cookie: `${name}=${TOKEN}` } })).status).toBe(401);
    clock.advance(3600 * 1000 + 1);
    expect((await http(srv.url, 'GET', '/api/counts', { headers: { cookie } })).status).toBe(401);
  });

  it('refuses cross-site posts that ride on the cookie, and logins from other sites', async () => {
    const cookie = cookieOf(await login(TOKEN));
    const port = new URL(srv.url).port;
    const body = JSON.stringify({ sql: 'SELECT 1 AS one' });
    const cross = await http(srv.url, 'POST', '/api/sql', { headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/json' }, body });
    expect(cross.status).toBe(403);
    expect(JSON.parse(cross.body).error).toMatch(/cross-site request/);
    for (const site of ['cross-site', 'same-site']) {
      const r = await http(srv.url, 'POST', '/api/sql', { headers: { cookie, 'sec-fetch-site': site, origin: `http://127.0.0.1:${port}` }, body });
      expect(r.status, site).toBe(403);
    }
    const nullOrigin = await http(srv.url, 'POST', '/api/sql', { headers: { cookie, origin: 'null' }, body });
    expect(nullOrigin.status).toBe(403);
    const sameFetch = await http(srv.url, 'POST', '/api/sql', { headers: { cookie, 'sec-fetch-site': 'same-origin' }, body });
    expect(sameFetch.status).toBe(200);
    const same = await http(srv.url, 'POST', '/api/sql', { headers: { cookie, origin: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}` }, body });
    expect(same.status).toBe(200);
    expect(JSON.parse(same.body).rows).toEqual([{ one: 1 }]);
    const loginCsrf = await http(srv.url, 'POST', '/login', { headers: { origin: 'https://evil.example' }, body: `token=${TOKEN}` });
    expect(loginCsrf.status).toBe(403);
  });

  it('slows down guessing: too many wrong tokens from one address get 429', async () => {
    // Failures are counted per client address; the earlier tests' wrong logins came from the same one.
    let last: Reply | undefined;
    for (let i = 0; i < 12; i++) last = await login(`guess-${i}-guess-guess-guess`);
    expect(last!.status).toBe(429);
    expect(last!.headers['retry-after']).toBe('60');
    expect((await login(TOKEN)).status).toBe(429);
    clock.advance(61_000);
    expect((await login(TOKEN)).status).toBe(303);
  });

  it('limits request bodies', async () => {
    const big = JSON.stringify({ sql: `SELECT '${'x'.repeat(100 * 1024)}'` });
    const r = await http(srv.url, 'POST', '/api/sql', { headers: { ...bearer, 'content-type': 'application/json' }, body: big });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error).toMatch(/request body is larger than 65536 bytes \(serve\.max_body_bytes\)/);
  });

  it('serves the SQL API as JSON and refuses writes and file access with a clear error', async () => {
    const post = (body: unknown) => http(srv.url, 'POST', '/api/sql', { headers: { ...bearer, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const ok = await post({ sql: "SELECT text FROM messages WHERE id = 'x1'" });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(ok.body)).toMatchObject({ columns: [{ name: 'text', type: 'VARCHAR' }], rows: [{ text: '<img src=x onerror=alert(1)>' }], truncated: false });

    const copy = await post({ sql: "COPY messages TO '/tmp/stolen.csv'" });
    expect(copy.status).toBe(403);
    expect(JSON.parse(copy.body).error).toMatch(/^refused: /);
    const copyOut = await post({ sql: 'COPY messages TO STDOUT' });
    expect(copyOut.status).toBe(403);
    const attach = await post({ sql: "ATTACH '/tmp/other.duckdb'" });
    expect(attach.status).toBe(403);
    const passwd = await post({ sql: "SELECT * FROM read_csv('/etc/passwd')" });
    expect(passwd.status).toBe(403);
    expect(JSON.parse(passwd.body).error).toMatch(/^refused: the SQL API reads the database only/);
    const del = await post({ sql: 'DELETE FROM messages' });
    expect(del.status).toBe(403);

    expect((await post('{"sql": ')).status).toBe(400);
    const missing = await post({ query: 'SELECT 1' });
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.body).error).toMatch(/bad request: sql: is required .*send \{"sql": "SELECT \.\.\."/);
    expect((await http(srv.url, 'GET', '/api/sql', { headers: bearer })).status).toBe(405);
  });

  it('answers errors as JSON, never reflecting input into HTML', async () => {
    const r = await http(srv.url, 'GET', '/<script>alert(1)</script>', { headers: bearer });
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('never puts the token in a response or a log line', async () => {
    const replies = await Promise.all([
      http(srv.url, 'GET', '/', { headers: { accept: 'text/html' } }),
      http(srv.url, 'GET', '/api/counts'),
      login('wrong-token-wrong-token-wrong'),
      http(srv.url, 'GET', '/api/echo?q=1', { headers: bearer }),
    ]);
    for (const r of replies) {
      expect(r.body).not.toContain(TOKEN);
      expect(JSON.stringify(r.headers)).not.toContain(TOKEN);
    }
    expect(logs.join('\n')).not.toContain(TOKEN);
  });
});
