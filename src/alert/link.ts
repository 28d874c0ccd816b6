/**
 * @module alert/link
 * Every alert leads back to the data behind it: a SQL query over the views in sql/ (the `query`),
 * and a `link` for people: the brand's page on the crisiscx server when there is one, else the
 * query as a `crisiscx sql "..."` command. Placeholders in the SQL become SQL literals, so label
 * values can never change the query.
 *
 * @example
 * const links = new LinkBuilder({ template: '{base_url}/?brand={brand}', baseUrl: 'http://127.0.0.1:8080' });
 * links.link('SELECT * FROM spikes WHERE brand = {brand}', { brand: 'acme' }); // { link: 'http://127.0.0.1:8080/?brand=acme', query: "SELECT ... 'acme'" }
 */

/** The drill-down queries of the built-in rules: per alert, and per grouped notification. */
export const DEFAULT_DRILLDOWN: Record<string, { alert: string; group: string }> = {
  customer_silence: {
    alert: 'SELECT * FROM silence_gaps WHERE brand = {brand} AND conversation_id = {conversation_id} ORDER BY started_at DESC',
    group: 'SELECT * FROM silence_gaps WHERE brand = {brand} AND open ORDER BY started_at',
  },
  brand_silence: {
    alert: 'SELECT * FROM broadcasts WHERE brand = {brand} ORDER BY ts DESC LIMIT 20',
    group: 'SELECT * FROM broadcasts WHERE brand = {brand} ORDER BY ts DESC LIMIT 20',
  },
  spike: {
    alert: 'SELECT * FROM spikes WHERE brand = {brand} AND channel = {channel} ORDER BY started_at DESC',
    group: 'SELECT * FROM spikes WHERE brand = {brand} ORDER BY started_at DESC',
  },
  promise: {
    alert: 'SELECT * FROM promise_outcomes WHERE brand = {brand} AND conversation_id = {conversation_id} ORDER BY due_at',
    group: "SELECT * FROM promise_outcomes WHERE brand = {brand} AND outcome = 'broken' ORDER BY due_at",
  },
};
DEFAULT_DRILLDOWN.customer_silence_warning = DEFAULT_DRILLDOWN.customer_silence!;

export function sqlLiteral(v: string | undefined): string {
  return v === undefined ? 'NULL' : `'${v.replace(/'/g, "''")}'`;
}

/** Replaces `{name}` with the SQL literal of vars[name] (NULL when missing). */
export function renderSql(template: string, vars: Record<string, string | undefined>): string {
  return template.replace(/\{([a-z_][a-z0-9_]*)\}/g, (_m, name: string) => sqlLiteral(vars[name]));
}

export interface LinkOptions {
  /** Base URL of the crisiscx server; without it links are CLI commands. */
  baseUrl?: string;
  /** `{base_url}`, `{sql}` (URL-encoded), and any var (URL-encoded). */
  template: string;
  /** The database file, when not the CLI's default, so the command opens the right one. */
  database?: string;
}

export interface Drilldown {
  /** For people: a page of the crisiscx server, or a `crisiscx sql` command without a server. */
  link: string;
  /** The SQL over the views behind the alert. */
  query: string;
}

export class LinkBuilder {
  constructor(private readonly options: LinkOptions) {}

  /** The link and query for a SQL template and the alert's variables. */
  link(sqlTemplate: string, vars: Record<string, string | undefined>): Drilldown {
    return this.linkSql(renderSql(sqlTemplate, vars), vars);
  }

  /** The link and query for a finished query (no placeholders replaced). */
  linkSql(sql: string, vars: Record<string, string | undefined> = {}): Drilldown {
    const base = this.options.baseUrl?.replace(/\/+$/, '');
    if (base) {
      const link = this.options.template.replace(/\{([a-z_][a-z0-9_]*)\}/g, (m, name: string) => {
        if (name === 'base_url') return base;
        if (name === 'sql') return encodeURIComponent(sql);
        const v = vars[name];
        return v === undefined ? m : encodeURIComponent(v);
      });
      return { link, query: sql };
    }
    const db = this.options.database && this.options.database !== 'crisiscx.duckdb' ? ` --db ${shellQuote(this.options.database)}` : '';
    return { link: `crisiscx sql${db} ${shellQuote(sql)}`, query: sql };
  }
}

/** Double quotes for a POSIX shell (SQL keeps its single-quoted literals readable). */
function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:-]+$/.test(s) ? s : `"${s.replace(/(["\\$`!])/g, '\\$1')}"`;
}

/** The address of a crisiscx server bound to `host`:`port`, as a URL to put in links. */
export function serverUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}
