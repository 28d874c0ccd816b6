/**
 * @module dashboards/datasources
 * The two data sources crisiscx dashboards read: Prometheus (the pipeline's own metrics, scraped
 * from crisiscx's /metrics) and the analysts' SQL views through crisiscx's read-only SQL API
 * (`POST /api/sql`), queried with the Infinity data source (yesoreyeram-infinity-datasource).
 * DuckDB allows one process per database file, so Grafana cannot open the file itself while the
 * pipeline runs: it asks the process that owns it.
 *
 * @example
 * new TablePanel().datasource(SQL).withTarget(sqlQuery('SELECT * FROM crisis_periods WHERE brand = $q_brand', { params: BRAND_PARAM }));
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';

/** UIDs the provisioning files give the data sources (dashboards/provisioning/datasources). */
export const PROMETHEUS_UID = 'crisiscx-prometheus';
export const SQL_UID = 'crisiscx-sql';
export const INFINITY_TYPE = 'yesoreyeram-infinity-datasource';

/** Panels name the data source through dashboard variables, so a pushed dashboard works with other UIDs. */
export const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: '${prometheus}' };
export const SQL: DataSourceRef = { type: INFINITY_TYPE, uid: '${sql}' };

/** The path of crisiscx's SQL API; the data source's URL (http://crisiscx:8080) is its prefix. */
export const SQL_API_PATH = '/api/sql';

export interface SqlColumn {
  /** Column name in the API's rows. */
  selector: string;
  /** Display name (default: the column name). */
  text?: string;
  type: 'string' | 'number' | 'timestamp' | 'boolean';
}

export interface SqlQueryOptions {
  refId?: string;
  /** Named parameters (`$q_name` in the SQL); values may be dashboard variables (`${brand}`, `${__from}`). */
  params?: Record<string, string>;
  /** Declared columns and types (Grafana needs them for times and numbers). */
  columns?: SqlColumn[];
  /** At most this many rows (the server's serve.sql_api.max_rows caps it too). */
  maxRows?: number;
}

/**
 * An Infinity query that POSTs one read-only statement to crisiscx's SQL API and reads its
 * `rows`. The foundation SDK has no Infinity query type, so this builder emits the plugin's JSON
 * model (type json, source url, backend parser) itself.
 */
export class SqlQueryBuilder implements cog.Builder<cog.Dataquery> {
  constructor(
    private readonly sql: string,
    private readonly options: SqlQueryOptions = {},
  ) {}

  build(): cog.Dataquery {
    const body: Record<string, unknown> = { sql: this.sql.replace(/\s+/g, ' ').trim() };
    if (this.options.params && Object.keys(this.options.params).length > 0) body.params = this.options.params;
    if (this.options.maxRows) body.max_rows = this.options.maxRows;
    const query = {
      refId: this.options.refId ?? 'A',
      datasource: SQL,
      type: 'json',
      source: 'url',
      format: 'table',
      parser: 'backend',
      url: SQL_API_PATH,
      url_options: { method: 'POST', body_type: 'raw', body_content_type: 'application/json', data: JSON.stringify(body) },
      root_selector: 'rows',
      columns: (this.options.columns ?? []).map((c) => ({ selector: c.selector, text: c.text ?? c.selector, type: c.type })),
      filters: [],
    };
    return query as unknown as cog.Dataquery;
  }
}

export function sqlQuery(sql: string, options: SqlQueryOptions = {}): SqlQueryBuilder {
  return new SqlQueryBuilder(sql, options);
}

/**
 * SQL parameters are named `q_…`: Grafana replaces `$name` of its own variables anywhere in the
 * request body, so a parameter must never share a dashboard variable's name. Values come from the
 * variables (`${brand}`; `${__from}`/`${__to}` are the time range in epoch ms) and are bound by the
 * API, never pasted into the SQL text.
 */
export const FROM = 'to_timestamp(CAST($q_from AS BIGINT) / 1000.0)';
export const TO = 'to_timestamp(CAST($q_to AS BIGINT) / 1000.0)';
export const RANGE_PARAMS = { q_from: '${__from}', q_to: '${__to}' };
export const BRAND_PARAM = { q_brand: '${brand}' };
