import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DRILLDOWN, LinkBuilder, renderSql, serverUrl } from '../../src/alert/link.js';
import { Database } from '../../src/store/database.js';

describe('alert links', () => {
  let db: Database;
  beforeAll(async () => {
    db = await Database.open(':memory:');
  });
  afterAll(async () => {
    await db.close();
  });

  const vars = { brand: 'aurora-air', conversation_id: 'chat-1', channel: 'social', rule: 'spike', key: 'k' };
  it.each(Object.entries(DEFAULT_DRILLDOWN).flatMap(([rule, d]) => [
    [rule, 'alert', d.alert],
    [rule, 'group', d.group],
  ]))('the %s %s drill-down runs against the views in sql/', async (_rule, _level, template) => {
    const sql = renderSql(template, vars);
    const prepared = await db.connection.prepare(sql);
    expect(prepared.columnCount).toBeGreaterThan(0);
    prepared.destroySync();
  });

  it('quotes label values as SQL literals, so a value can never change the query', () => {
    expect(renderSql('SELECT * FROM t WHERE brand = {brand} AND x = {missing}', { brand: "x' OR 1=1 --" })).toBe(
      "SELECT * FROM t WHERE brand = 'x'' OR 1=1 --' AND x = NULL",
    );
  });

  it("links to the brand's page when there is a server, else to a crisiscx sql command for the right database; the query goes along", () => {
    const sql = 'SELECT * FROM spikes WHERE brand = {brand}';
    const query = "SELECT * FROM spikes WHERE brand = 'acme'";
    expect(new LinkBuilder({ template: '{base_url}/?brand={brand}', baseUrl: 'https://cx.example/' }).link(sql, { brand: 'acme' })).toEqual({ link: 'https://cx.example/?brand=acme', query });
    expect(new LinkBuilder({ template: '{base_url}/query?q={sql}', baseUrl: 'https://cx.example' }).link(sql, { brand: 'acme' }).link).toBe(
      "https://cx.example/query?q=SELECT%20*%20FROM%20spikes%20WHERE%20brand%20%3D%20'acme'",
    );
    expect(new LinkBuilder({ template: '', database: 'crisiscx.duckdb' }).link(sql, { brand: 'acme' })).toEqual({ link: `crisiscx sql "${query}"`, query });
    expect(new LinkBuilder({ template: '', database: '/data/cx db.duckdb' }).link(sql, { brand: '$HOME' }).link).toBe(
      `crisiscx sql --db "/data/cx db.duckdb" "SELECT * FROM spikes WHERE brand = '\\$HOME'"`,
    );
    expect(serverUrl('0.0.0.0', 8080)).toBe('http://127.0.0.1:8080');
    expect(serverUrl('::1', 80)).toBe('http://[::1]:80');
  });
});
