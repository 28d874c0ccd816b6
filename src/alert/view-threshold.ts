/**
 * @module alert/view-threshold
 * A threshold on any view: a read-only query run every `every_secs` on the pipeline clock; each
 * row with a numeric `value` is one condition (its other columns are labels), active while the
 * value crosses the threshold. The query is checked once at start: one statement, a SELECT,
 * with a `value` column — so a typo fails at start with the rule's name, not at 3 a.m.
 *
 * @example
 * const check = await ViewThresholdCheck.prepare(db, rule);
 * if (check.due(now)) signals.push(...(await check.run(now)));
 */
import { StatementType, type DuckDBPreparedStatement } from '@duckdb/node-api';
import type { ViewThresholdRule } from './config.js';
import type { Signal } from './engine.js';
import { AlertConfigError, AlertError } from './errors.js';
import type { Database } from '../store/database.js';

const COMPARE: Record<ViewThresholdRule['condition'], (v: number, t: number) => boolean> = {
  above: (v, t) => v > t,
  at_least: (v, t) => v >= t,
  below: (v, t) => v < t,
  at_most: (v, t) => v <= t,
};

const WORDS: Record<ViewThresholdRule['condition'], string> = { above: 'above', at_least: 'at least', below: 'below', at_most: 'at most' };

function labelValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object' && 'toString' in v) return String(v);
  return String(v);
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export class ViewThresholdCheck {
  private lastRun = Number.NEGATIVE_INFINITY;
  /** Keys active after the last run, so a row that disappears resolves its alert. */
  private active = new Map<string, Signal>();

  private constructor(
    readonly rule: ViewThresholdRule,
    private readonly db: Database,
    private readonly sql: string,
    readonly labelColumns: string[],
  ) {}

  /** Checks the query and prepares it; throws AlertConfigError with the rule name and the fix. */
  static async prepare(db: Database, rule: ViewThresholdRule, where = 'alerts.view_thresholds'): Promise<ViewThresholdCheck> {
    const sql = rule.query.trim().replace(/;\s*$/, '');
    const at = `${where} rule "${rule.name}"`;
    let statement: DuckDBPreparedStatement;
    try {
      const extracted = await db.connection.extractStatements(sql);
      if (extracted.count !== 1) {
        throw new AlertConfigError(`${at}: the query must be exactly one statement, found ${extracted.count}. Remove the extra statements.`);
      }
      const checked = await extracted.prepare(0);
      const type = checked.statementType;
      checked.destroySync();
      if (type !== StatementType.SELECT) {
        throw new AlertConfigError(`${at}: the query must be a read-only SELECT, got a ${StatementType[type]} statement. Alerts never change data.`);
      }
      statement = await db.connection.prepare(sql);
    } catch (err) {
      if (err instanceof AlertConfigError) throw err;
      throw new AlertConfigError(
        `${at}: the query does not run: ${(err as Error).message.split('\n')[0]}. Fix the query (try it with crisiscx sql first).`,
        { cause: err },
      );
    }
    const columns: string[] = [];
    for (let i = 0; i < statement.columnCount; i++) columns.push(statement.columnName(i));
    // Checked, not kept: a statement prepared before later appends read strings back garbled
    // (@duckdb/node-api 1.5: 'acme' came back as 'd'), so each run sends the query text.
    statement.destroySync();
    if (!columns.includes('value')) {
      throw new AlertConfigError(
        `${at}: the query returns columns ${columns.join(', ')} but no "value" column. Name the measured number: SELECT count(*) AS value ...`,
      );
    }
    return new ViewThresholdCheck(rule, db, sql, columns.filter((c) => c !== 'value'));
  }

  due(now: number): boolean {
    return now - this.lastRun >= this.rule.every_secs * 1000;
  }

  /** Runs the query: one signal per row and one inactive signal per key that stopped crossing. */
  async run(now: number): Promise<Signal[]> {
    this.lastRun = now;
    let rows: Record<string, unknown>[];
    try {
      rows = await this.db.query(this.sql);
    } catch (err) {
      throw new AlertError(`view threshold "${this.rule.name}" failed: ${(err as Error).message.split('\n')[0]}`, { cause: err, retriable: true });
    }
    const r = this.rule;
    const next = new Map<string, Signal>();
    const out: Signal[] = [];
    for (const row of rows) {
      const value = toNumber(row.value);
      const labels: Record<string, string> = {};
      for (const c of this.labelColumns) labels[c] = labelValue(row[c]);
      const brand = labels.brand || '*';
      const key = this.labelColumns.length ? this.labelColumns.map((c) => `${c}=${labels[c]}`).join('|') : '*';
      if (value === undefined || !COMPARE[r.condition](value, r.threshold)) continue;
      const vars: Record<string, string> = { ...labels, value: formatNumber(value), threshold: formatNumber(r.threshold), name: r.name };
      const summary = r.summary
        ? r.summary.replace(/\{([a-z_][a-z0-9_]*)\}/g, (m, n: string) => vars[n] ?? m)
        : `${r.name}: value ${formatNumber(value)} ${WORDS[r.condition]} ${formatNumber(r.threshold)}${brand !== '*' ? ` for ${brand}` : ''}`;
      const s: Signal = { rule: r.name, key, brand, active: true, at: now, severity: r.severity ?? 'warning', summary, labels, values: { value, threshold: r.threshold } };
      next.set(key, s);
      out.push(s);
    }
    for (const [key, s] of this.active) {
      if (!next.has(key)) out.push({ ...s, active: false, at: now });
    }
    this.active = next;
    return out;
  }

  close(): void {
    // Nothing held: the query is sent as text on each run.
  }
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
