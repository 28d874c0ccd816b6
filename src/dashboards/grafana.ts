/**
 * @module dashboards/grafana
 * Creates or updates crisiscx's dashboards in a Grafana through its HTTP API: the folder
 * (`GET /api/folders/:uid`, else `POST /api/folders`), then each dashboard (`GET
 * /api/dashboards/uid/:uid` for the version it has, `POST /api/dashboards/db` with `{dashboard,
 * folderUid, overwrite, message}`). An update carries the version Grafana returned, so a change
 * made in Grafana meanwhile is refused (412 version-mismatch) rather than lost, unless
 * `overwrite` is set. Every refusal becomes a {@link GrafanaError} that says what to do.
 *
 * @example
 * const client = new GrafanaClient({ url: 'http://localhost:3000', token: process.env.GRAFANA_TOKEN! });
 * const results = await pushDashboards(client, loadGeneratedDashboards(), { folderUid: 'crisiscx', folderTitle: 'crisiscx' });
 */

export class GrafanaError extends Error {
  constructor(
    message: string,
    /** HTTP status, or 0 when Grafana could not be reached. */
    readonly status: number,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GrafanaError';
  }
}

export interface GrafanaClientOptions {
  /** Grafana's root URL, e.g. http://localhost:3000 (a sub-path like https://host/grafana works too). */
  url: string;
  /** A service account token (Bearer). */
  token: string;
  timeoutMs?: number;
  /** Attempts for network errors and 5xx answers (default 3). */
  attempts?: number;
  fetch?: typeof fetch;
}

export type Dashboard = Record<string, unknown> & { uid: string; title: string };

export interface PushOptions {
  folderUid: string;
  folderTitle: string;
  /** Replace what Grafana has whatever its version (Grafana's `overwrite`). */
  overwrite?: boolean;
  /** The version message Grafana keeps with the change. */
  message?: string;
}

export interface PushResult {
  uid: string;
  title: string;
  action: 'created' | 'updated' | 'unchanged';
  version: number | null;
  /** Where to open it. */
  url: string | null;
}

interface Answer {
  status: number;
  body: Record<string, unknown> | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class GrafanaClient {
  readonly base: string;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly fetch: typeof fetch;

  constructor(options: GrafanaClientOptions) {
    let u: URL;
    try {
      u = new URL(options.url);
    } catch {
      throw new GrafanaError(`--url ${JSON.stringify(options.url)} is not a URL: give Grafana's address, e.g. http://localhost:3000`, 0, false);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new GrafanaError(`--url ${JSON.stringify(options.url)} is not http(s): give Grafana's address, e.g. http://localhost:3000`, 0, false);
    }
    if (!options.token) throw new GrafanaError('no Grafana token: pass --token or set GRAFANA_TOKEN to a service account token (role Editor or Admin)', 0, false);
    this.base = u.href.replace(/\/+$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.fetch = options.fetch ?? fetch;
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> {
    let last: GrafanaError | undefined;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) await sleep(250 * 2 ** (attempt - 2) * (0.5 + Math.random()));
      let res: Response;
      try {
        res = await this.fetch(`${this.base}${path}`, {
          method,
          headers: {
            accept: 'application/json',
            authorization: `Bearer ${this.token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(this.timeoutMs),
          redirect: 'manual',
        });
      } catch (err) {
        const c = (err as { cause?: { code?: string; message?: string } }).cause;
        const why = (err as Error).name === 'TimeoutError' ? `no answer in ${this.timeoutMs} ms` : (c?.code ?? c?.message ?? (err as Error).message);
        last = new GrafanaError(`cannot reach Grafana at ${this.base} (${why}): check --url and that Grafana is running`, 0, true, { cause: err });
        continue;
      }
      const text = await res.text();
      let parsed: Record<string, unknown> | null = null;
      try {
        parsed = text ? (JSON.parse(text) as Record<string, unknown>) : null;
      } catch {
        parsed = null;
      }
      if (res.status >= 500) {
        last = new GrafanaError(`Grafana answered ${res.status} to ${method} ${path}: ${messageOf(parsed, text)}`, res.status, true);
        continue;
      }
      if (res.status >= 300 && res.status < 400) {
        throw new GrafanaError(
          `Grafana redirected ${method} ${path} to ${res.headers.get('location') ?? '?'} (${res.status}): give the URL Grafana serves its API at (with its sub-path, if any)`,
          res.status,
          false,
        );
      }
      if (res.status !== 404 && parsed === null) {
        throw new GrafanaError(`${this.base}${path} did not answer with JSON (${res.status}): is --url the address of a Grafana?`, res.status, false);
      }
      return { status: res.status, body: parsed };
    }
    throw last!;
  }

  /** Refusals every call shares: the token, its rights, the address. */
  private refused(a: Answer, what: string): GrafanaError {
    const msg = messageOf(a.body, '');
    switch (a.status) {
      case 401:
        return new GrafanaError(`Grafana refused the token (401 ${msg || 'Unauthorized'}) while ${what}: check --token / GRAFANA_TOKEN is a valid service account token of ${this.base}`, 401, false);
      case 403:
        return new GrafanaError(
          `the token may not do this (403 ${msg || 'Forbidden'}) while ${what}: give its service account the Editor role, or write access to the folder (dashboards:write, folders:create)`,
          403,
          false,
        );
      case 404:
        return new GrafanaError(`not found (404 ${msg || 'Not Found'}) while ${what}: check --url is Grafana's root address (e.g. http://localhost:3000)`, 404, false);
      default:
        return new GrafanaError(`Grafana refused ${what} (${a.status}): ${msg || 'no reason given'}`, a.status, false);
    }
  }

  /** The folder with this uid, created with `title` if missing. */
  async ensureFolder(uid: string, title: string): Promise<{ uid: string; title: string; created: boolean }> {
    const got = await this.request('GET', `/api/folders/${encodeURIComponent(uid)}`);
    if (got.status === 200 && got.body) return { uid: String(got.body.uid ?? uid), title: String(got.body.title ?? title), created: false };
    if (got.status !== 404) throw this.refused(got, `reading folder ${uid}`);
    const made = await this.request('POST', '/api/folders', { uid, title });
    if (made.status === 200 && made.body) return { uid: String(made.body.uid ?? uid), title: String(made.body.title ?? title), created: true };
    if (made.status === 409 || made.status === 412) {
      throw new GrafanaError(
        `cannot create folder "${title}" (uid ${uid}): ${messageOf(made.body, 'a folder with that name exists')} (${made.status}). ` +
          `Push into that folder with --folder-uid <its uid> (see Grafana's folder URL), or choose another --folder-title`,
        made.status,
        false,
      );
    }
    throw this.refused(made, `creating folder "${title}" (uid ${uid})`);
  }

  /** The dashboard Grafana has under this uid, with its version, or undefined. */
  async getDashboard(uid: string): Promise<{ dashboard: Record<string, unknown>; version: number; folderUid: string | null; provisioned: boolean } | undefined> {
    const a = await this.request('GET', `/api/dashboards/uid/${encodeURIComponent(uid)}`);
    if (a.status === 404) return undefined;
    if (a.status !== 200 || !a.body) throw this.refused(a, `reading dashboard ${uid}`);
    const dashboard = (a.body.dashboard ?? {}) as Record<string, unknown>;
    const meta = (a.body.meta ?? {}) as Record<string, unknown>;
    return {
      dashboard,
      version: Number(dashboard.version ?? meta.version ?? 0),
      folderUid: typeof meta.folderUid === 'string' ? meta.folderUid : null,
      provisioned: meta.provisioned === true,
    };
  }

  /** POST /api/dashboards/db; 412s and provisioned dashboards become errors that say what to do. */
  async saveDashboard(dashboard: Dashboard, options: { folderUid: string; overwrite: boolean; message?: string }): Promise<{ uid: string; url: string | null; version: number | null; status: string }> {
    const a = await this.request('POST', '/api/dashboards/db', {
      dashboard,
      folderUid: options.folderUid,
      overwrite: options.overwrite,
      ...(options.message ? { message: options.message } : {}),
    });
    if (a.status === 200 && a.body) {
      return { uid: String(a.body.uid ?? dashboard.uid), url: typeof a.body.url === 'string' ? a.body.url : null, version: a.body.version === undefined ? null : Number(a.body.version), status: String(a.body.status ?? 'success') };
    }
    const kind = typeof a.body?.status === 'string' ? a.body.status : '';
    const msg = messageOf(a.body, '');
    const name = `dashboard "${dashboard.title}" (uid ${dashboard.uid})`;
    if (a.status === 412 && kind === 'version-mismatch') {
      return Promise.reject(
        new GrafanaError(`${name} was changed in Grafana while pushing (412 version-mismatch: ${msg}): push again to update the new version, or use --overwrite to replace it`, 412, false),
      );
    }
    if (a.status === 412 && kind === 'name-exists') {
      return Promise.reject(
        new GrafanaError(
          `${name}: another dashboard already has its title or uid in folder ${options.folderUid} (412 name-exists: ${msg}): rename or move that dashboard, or use --overwrite to replace it`,
          412,
          false,
        ),
      );
    }
    if (a.status === 412 && kind === 'plugin-dashboard') {
      return Promise.reject(new GrafanaError(`${name} belongs to a plugin in Grafana (412 plugin-dashboard: ${msg}): remove it in the plugin's settings first, or use --overwrite`, 412, false));
    }
    if (a.status === 400 && /provision/i.test(msg)) {
      return Promise.reject(
        new GrafanaError(`${name} is provisioned from files in that Grafana (400: ${msg}): update its provisioning files (dashboards/generated via dashboards/provisioning) instead of pushing`, 400, false),
      );
    }
    return Promise.reject(this.refused(a, `saving ${name}`));
  }
}

function messageOf(body: Record<string, unknown> | null, fallback: string): string {
  const m = body?.message ?? body?.error;
  return typeof m === 'string' ? m : fallback;
}

/** What Grafana adds or changes on save; left out when comparing. */
const VOLATILE = new Set(['id', 'version', 'iteration']);

function sameContent(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const strip = (d: Record<string, unknown>) => JSON.stringify(Object.fromEntries(Object.entries(d).filter(([k]) => !VOLATILE.has(k)).sort(([x], [y]) => x.localeCompare(y))));
  return strip(a) === strip(b);
}

/** Creates or updates each dashboard in the folder (created first if missing). */
export async function pushDashboards(client: GrafanaClient, dashboards: Dashboard[], options: PushOptions, log: (line: string) => void = () => undefined): Promise<PushResult[]> {
  const folder = await client.ensureFolder(options.folderUid, options.folderTitle);
  log(folder.created ? `created folder "${folder.title}" (uid ${folder.uid})` : `folder "${folder.title}" (uid ${folder.uid}) exists`);
  const results: PushResult[] = [];
  for (const d of dashboards) {
    const existing = await client.getDashboard(d.uid);
    if (existing?.provisioned && !options.overwrite) {
      throw new GrafanaError(
        `dashboard "${d.title}" (uid ${d.uid}) is provisioned from files in that Grafana: update its provisioning files (dashboards/generated via dashboards/provisioning) instead of pushing`,
        400,
        false,
      );
    }
    if (existing && !options.overwrite && existing.folderUid === folder.uid && sameContent(existing.dashboard, d)) {
      results.push({ uid: d.uid, title: d.title, action: 'unchanged', version: existing.version, url: null });
      log(`unchanged "${d.title}" (uid ${d.uid}, version ${existing.version})`);
      continue;
    }
    // An update names the version it replaces: an edit made in Grafana meanwhile is refused, not lost.
    const body: Dashboard = { ...d, id: null, ...(existing && !options.overwrite ? { version: existing.version } : {}) };
    const saved = await client.saveDashboard(body, { folderUid: folder.uid, overwrite: options.overwrite ?? false, message: options.message });
    // Grafana's url includes its sub-path, if any: resolve it against the server's origin.
    const url = saved.url ? new URL(saved.url, `${client.base}/`).href : null;
    results.push({ uid: saved.uid, title: d.title, action: existing ? 'updated' : 'created', version: saved.version, url });
    log(`${existing ? 'updated' : 'created'} "${d.title}" (uid ${saved.uid}${saved.version !== null ? `, version ${saved.version}` : ''})${url ? `: ${url}` : ''}`);
  }
  return results;
}
