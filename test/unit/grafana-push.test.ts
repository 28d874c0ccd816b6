/**
 * `crisiscx dashboards push` against a small HTTP server that plays Grafana's documented HTTP API
 * (Grafana cannot run here): it checks each request's method, path, headers and body the way the
 * API documents them, keeps folders and versioned dashboards, and answers as Grafana does — 200
 * with {id, uid, url, status, version, slug}, 401/403, 404, 409 for a folder name taken, 412
 * version-mismatch / name-exists / plugin-dashboard, 400 for a provisioned dashboard.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDashboards } from '../../src/dashboards/files.js';
import { GrafanaClient, GrafanaError, pushDashboards, type Dashboard } from '../../src/dashboards/grafana.js';
import { cli } from '../helpers/cli.js';

const TOKEN = 'glsa_test_0123456789abcdef';
const READ_ONLY_TOKEN = 'glsa_viewer_token';

interface Stored {
  id: number;
  dashboard: Record<string, unknown> & { uid: string; title: string; version: number };
  folderUid: string;
  provisioned: boolean;
  pluginId?: string;
}

/** The parts of Grafana's API the push uses, with the documented answers. */
class FakeGrafana {
  folders = new Map<string, { id: number; uid: string; title: string }>();
  dashboards = new Map<string, Stored>();
  requests: { method: string; path: string; headers: IncomingMessage['headers']; body: unknown }[] = [];
  problems: string[] = [];
  /** Runs between a dashboard's GET and its POST (a colleague saving in the UI meanwhile). */
  beforeSave: (() => void) | undefined;
  private nextId = 1;
  server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => this.handle(req, res, Buffer.concat(parts).toString('utf8')));
    });
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private handle(req: IncomingMessage, res: ServerResponse, text: string): void {
    const url = new URL(req.url ?? '/', 'http://grafana');
    const path = url.pathname;
    let body: unknown;
    if (req.method === 'POST') {
      if (req.headers['content-type'] !== 'application/json') this.problems.push(`${req.method} ${path}: content-type ${req.headers['content-type']}`);
      try {
        body = JSON.parse(text);
      } catch {
        return this.send(res, 400, { message: 'bad request data' });
      }
    }
    this.requests.push({ method: req.method!, path, headers: req.headers, body });
    if (!String(req.headers.accept ?? '').includes('application/json')) this.problems.push(`${req.method} ${path}: accept ${req.headers.accept}`);
    const auth = req.headers.authorization;
    if (auth !== `Bearer ${TOKEN}` && auth !== `Bearer ${READ_ONLY_TOKEN}`) return this.send(res, 401, { message: 'Unauthorized' });
    const canWrite = auth === `Bearer ${TOKEN}`;

    let m: RegExpExecArray | null;
    if (req.method === 'GET' && (m = /^\/api\/folders\/([^/]+)$/.exec(path))) {
      const f = this.folders.get(decodeURIComponent(m[1]!));
      return f ? this.send(res, 200, { ...f, url: `/dashboards/f/${f.uid}/`, version: 1 }) : this.send(res, 404, { message: 'folder not found', status: 'not-found' });
    }
    if (req.method === 'POST' && path === '/api/folders') {
      if (!canWrite) return this.send(res, 403, { message: "You'll need additional permissions to perform this action. Permissions needed: folders:create" });
      const b = body as { uid?: string; title?: string };
      const extra = Object.keys(b).filter((k) => !['uid', 'title', 'parentUid', 'description'].includes(k));
      if (extra.length || typeof b.title !== 'string' || !b.title) return this.send(res, 400, { message: `bad folder body ${JSON.stringify(b)}` });
      if ([...this.folders.values()].some((f) => f.title === b.title)) return this.send(res, 409, { message: 'a folder with the same name already exists' });
      const f = { id: this.nextId++, uid: b.uid ?? `f${this.nextId}`, title: b.title };
      this.folders.set(f.uid, f);
      return this.send(res, 200, { ...f, url: `/dashboards/f/${f.uid}/`, version: 1 });
    }
    if (req.method === 'GET' && (m = /^\/api\/dashboards\/uid\/([^/]+)$/.exec(path))) {
      const d = this.dashboards.get(decodeURIComponent(m[1]!));
      if (!d) return this.send(res, 404, { message: 'Dashboard not found' });
      return this.send(res, 200, {
        dashboard: { ...d.dashboard, id: d.id },
        meta: { slug: slug(d.dashboard.title), url: `/d/${d.dashboard.uid}/${slug(d.dashboard.title)}`, folderUid: d.folderUid, provisioned: d.provisioned, version: d.dashboard.version },
      });
    }
    if (req.method === 'POST' && path === '/api/dashboards/db') {
      this.beforeSave?.();
      const b = body as { dashboard?: Record<string, unknown> & { uid?: string; title?: string; version?: number; id?: number | null }; folderUid?: string; overwrite?: boolean; message?: string; folderId?: number };
      const extra = Object.keys(b).filter((k) => !['dashboard', 'folderUid', 'folderId', 'overwrite', 'message'].includes(k));
      if (extra.length) this.problems.push(`POST /api/dashboards/db: unknown keys ${extra.join(', ')}`);
      if (b.folderId !== undefined && b.folderUid !== undefined) this.problems.push('POST /api/dashboards/db: both folderId and folderUid');
      if (typeof b.overwrite !== 'boolean') this.problems.push(`POST /api/dashboards/db: overwrite ${String(b.overwrite)}`);
      const d = b.dashboard;
      if (!d || typeof d.title !== 'string' || typeof d.uid !== 'string') return this.send(res, 400, { message: 'Dashboard title cannot be empty' });
      if (d.id !== null && d.id !== undefined) this.problems.push(`POST /api/dashboards/db: dashboard.id ${d.id}`);
      if (!canWrite) return this.send(res, 403, { message: "You'll need additional permissions to perform this action. Permissions needed: dashboards:create" });
      if (b.folderUid && !this.folders.has(b.folderUid)) return this.send(res, 400, { message: 'folder not found' });
      const folderUid = b.folderUid ?? '';
      const existing = this.dashboards.get(d.uid);
      if (existing?.provisioned) return this.send(res, 400, { message: 'Cannot save provisioned dashboard' });
      if (existing?.pluginId && !b.overwrite) return this.send(res, 412, { message: `The dashboard belongs to plugin ${existing.pluginId}.`, status: 'plugin-dashboard' });
      if (!existing) {
        const clash = [...this.dashboards.values()].find((x) => x.folderUid === folderUid && x.dashboard.title === d.title);
        if (clash && !b.overwrite) return this.send(res, 412, { message: 'A dashboard with the same name in the folder already exists', status: 'name-exists' });
        if (clash) this.dashboards.delete(clash.dashboard.uid);
      } else if (!b.overwrite && d.version !== existing.dashboard.version) {
        return this.send(res, 412, { message: 'The dashboard has been changed by someone else', status: 'version-mismatch' });
      }
      const version = (existing?.dashboard.version ?? 0) + 1;
      const id = existing?.id ?? this.nextId++;
      const { id: _drop, ...rest } = d;
      this.dashboards.set(d.uid, { id, dashboard: { ...(rest as Stored['dashboard']), version }, folderUid, provisioned: false });
      const s = slug(d.title);
      return this.send(res, 200, { id, uid: d.uid, url: `/d/${d.uid}/${s}`, status: 'success', version, slug: s });
    }
    return this.send(res, 404, { message: 'Not found' });
  }

  /** Someone saves the dashboard in Grafana's UI. */
  editInUi(uid: string, change: Record<string, unknown>): void {
    const d = this.dashboards.get(uid)!;
    d.dashboard = { ...d.dashboard, ...change, version: d.dashboard.version + 1 };
  }
}

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

const grafana = new FakeGrafana();
let url = '';
const shipped = loadDashboards();

beforeAll(async () => {
  await new Promise<void>((r) => grafana.server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(grafana.server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => grafana.server.close(() => r())));
beforeEach(() => {
  grafana.folders.clear();
  grafana.dashboards.clear();
  grafana.requests = [];
  grafana.problems = [];
  grafana.beforeSave = undefined;
});

const client = (token = TOKEN, at = url) => new GrafanaClient({ url: at, token, attempts: 1, timeoutMs: 5000 });
const push = (options: { overwrite?: boolean } = {}, dashboards: Dashboard[] = shipped, c = client()) =>
  pushDashboards(c, dashboards, { folderUid: 'crisiscx', folderTitle: 'crisiscx', message: 'test push', ...options });

describe('dashboards push', () => {
  it('creates the folder and every dashboard, with the documented requests', async () => {
    expect(shipped.map((d) => d.uid)).toEqual(['crisiscx-crisis', 'crisiscx-pipeline']);
    const results = await push();
    expect(results.map((r) => [r.uid, r.action, r.version])).toEqual([
      ['crisiscx-crisis', 'created', 1],
      ['crisiscx-pipeline', 'created', 1],
    ]);
    expect(results[0]!.url).toBe(`${url}/d/crisiscx-crisis/crisiscx-crisis-overview`);
    expect(grafana.problems).toEqual([]);
    expect(grafana.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/folders/crisiscx',
      'POST /api/folders',
      'GET /api/dashboards/uid/crisiscx-crisis',
      'POST /api/dashboards/db',
      'GET /api/dashboards/uid/crisiscx-pipeline',
      'POST /api/dashboards/db',
    ]);
    for (const r of grafana.requests) expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(grafana.requests[1]!.body).toEqual({ uid: 'crisiscx', title: 'crisiscx' });
    const save = grafana.requests[3]!.body as { dashboard: Record<string, unknown>; folderUid: string; overwrite: boolean; message: string };
    expect(save.folderUid).toBe('crisiscx');
    expect(save.overwrite).toBe(false);
    expect(save.message).toBe('test push');
    // The dashboard as generated, as a new one (no id, no version).
    expect(save.dashboard).toEqual({ ...shipped[0], id: null });
    expect(grafana.dashboards.get('crisiscx-crisis')!.folderUid).toBe('crisiscx');
  });

  it('leaves dashboards Grafana already has unchanged, and updates changed ones naming the version they replace', async () => {
    await push();
    grafana.requests = [];
    expect((await push()).map((r) => r.action)).toEqual(['unchanged', 'unchanged']);
    expect(grafana.requests.filter((r) => r.path === '/api/dashboards/db')).toEqual([]);

    grafana.editInUi('crisiscx-pipeline', { title: 'edited in the UI' }); // now version 2
    grafana.requests = [];
    const results = await push();
    expect(results.map((r) => [r.action, r.version])).toEqual([
      ['unchanged', 1],
      ['updated', 3],
    ]);
    const save = grafana.requests.find((r) => r.path === '/api/dashboards/db')!.body as { dashboard: { version: number; title: string }; overwrite: boolean };
    expect(save.overwrite).toBe(false);
    expect(save.dashboard.version).toBe(2);
    expect(grafana.dashboards.get('crisiscx-pipeline')!.dashboard.title).toBe('crisiscx — pipeline health');
  });

  it('reports a dashboard saved in Grafana while pushing (412 version-mismatch) and says how to go on', async () => {
    await push();
    grafana.editInUi('crisiscx-crisis', { description: 'x' });
    grafana.beforeSave = () => {
      grafana.beforeSave = undefined;
      grafana.editInUi('crisiscx-crisis', { description: 'y' });
    };
    const err = await push().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrafanaError);
    expect((err as GrafanaError).status).toBe(412);
    expect((err as Error).message).toBe(
      'dashboard "crisiscx — crisis overview" (uid crisiscx-crisis) was changed in Grafana while pushing (412 version-mismatch: The dashboard has been changed by someone else): push again to update the new version, or use --overwrite to replace it',
    );
  });

  it('reports another dashboard with the same title in the folder (412 name-exists), and --overwrite replaces it', async () => {
    await push();
    const other = { ...shipped[1]!, uid: 'copy-of-pipeline' };
    grafana.dashboards.set('copy-of-pipeline', { id: 99, dashboard: { ...other, version: 1 }, folderUid: 'crisiscx', provisioned: false });
    grafana.dashboards.delete('crisiscx-pipeline');
    const err = await push().catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^dashboard "crisiscx — pipeline health" \(uid crisiscx-pipeline\): another dashboard already has its title or uid in folder crisiscx \(412 name-exists: A dashboard with the same name in the folder already exists\): rename or move that dashboard, or use --overwrite to replace it$/);
    grafana.requests = [];
    const results = await push({ overwrite: true });
    expect(results.map((r) => r.action)).toEqual(['updated', 'created']);
    expect(grafana.requests.filter((r) => r.path === '/api/dashboards/db').map((r) => (r.body as { overwrite: boolean }).overwrite)).toEqual([true, true]);
    expect([...grafana.dashboards.keys()].sort()).toEqual(['crisiscx-crisis', 'crisiscx-pipeline']);
  });

  it('refuses a provisioned dashboard and one that belongs to a plugin, saying what to do instead', async () => {
    await push();
    grafana.dashboards.get('crisiscx-crisis')!.provisioned = true;
    await expect(push()).rejects.toThrow(/uid crisiscx-crisis\) is provisioned from files in that Grafana: update its provisioning files/);
    grafana.dashboards.get('crisiscx-crisis')!.provisioned = false;
    grafana.dashboards.get('crisiscx-crisis')!.pluginId = 'some-app';
    grafana.editInUi('crisiscx-crisis', { description: 'changed' });
    await expect(push()).rejects.toThrow(/belongs to a plugin in Grafana \(412 plugin-dashboard: The dashboard belongs to plugin some-app\.\)/);
  });

  it('says what is wrong with the token, its rights, the folder and the address', async () => {
    await expect(push({}, shipped, client('wrong'))).rejects.toThrow(
      /^Grafana refused the token \(401 Unauthorized\) while reading folder crisiscx: check --token \/ GRAFANA_TOKEN is a valid service account token of http:\/\/127\.0\.0\.1:\d+$/,
    );
    await expect(push({}, shipped, client(READ_ONLY_TOKEN))).rejects.toThrow(/the token may not do this \(403 .*folders:create\) while creating folder "crisiscx" \(uid crisiscx\): give its service account the Editor role/);
    grafana.folders.set('other', { id: 7, uid: 'other', title: 'crisiscx' });
    await expect(push()).rejects.toThrow(/cannot create folder "crisiscx" \(uid crisiscx\): a folder with the same name already exists \(409\)\. Push into that folder with --folder-uid <its uid>/);
    await expect(push({}, shipped, client(TOKEN, `${url}/not-grafana`))).rejects.toThrow(/not found \(404 Not found\) while creating folder "crisiscx" \(uid crisiscx\): check --url is Grafana's root address/);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(push({}, shipped, client(TOKEN, `http://127.0.0.1:${port}`))).rejects.toThrow(
      new RegExp(`^cannot reach Grafana at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\): check --url and that Grafana is running$`),
    );
    expect(() => client(TOKEN, 'grafana:3000')).toThrow(/--url "grafana:3000" is not http\(s\)/);
  });
});

describe('crisiscx dashboards (CLI)', () => {
  it('lists the shipped dashboards', async () => {
    const r = await cli(['dashboards', 'list']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('crisiscx-crisis\tcrisiscx — crisis overview\ncrisiscx-pipeline\tcrisiscx — pipeline health\n');
  });

  it('pushes with the token from GRAFANA_TOKEN and reports what it did', async () => {
    const r = await cli(['dashboards', 'push', '--url', url, '--folder-title', 'Crisis CX'], { env: { GRAFANA_TOKEN: TOKEN } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('crisiscx: created folder "Crisis CX" (uid crisiscx)');
    expect(r.stderr).toMatch(/crisiscx: created "crisiscx — pipeline health" \(uid crisiscx-pipeline, version 1\): http:\/\/127\.0\.0\.1:\d+\/d\/crisiscx-pipeline\/crisiscx-pipeline-health/);
    expect(r.stderr).toContain('2 dashboards pushed to');
    expect(r.stderr).toContain('2 created, 0 updated, 0 unchanged');
    expect(grafana.problems).toEqual([]);
  });

  it('fails with the fix when no token is given', async () => {
    const r = await cli(['dashboards', 'push', '--url', url], { env: { GRAFANA_TOKEN: '' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no Grafana token: set GRAFANA_TOKEN to a service account token (role Editor), or pass --token');
  });
});
