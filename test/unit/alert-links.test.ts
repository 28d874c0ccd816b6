import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DRILLDOWN, LinkBuilder, renderSql } from '../../src/alert/link.js';
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

  it('is a URL on the server when link_base_url is set, else a crisiscx sql command for the right database', () => {
    const sql = "SELECT * FROM spikes WHERE brand = {brand}";
    expect(new LinkBuilder({ template: '{base_url}/api/sql?q={sql}', baseUrl: 'https://cx.example/' }).link(sql, { brand: 'acme' })).toBe(
      'https://cx.example/api/sql?q=SELECT%20*%20FROM%20spikes%20WHERE%20brand%20%3D%20\'acme\'',
    );
    expect(new LinkBuilder({ template: '', database: 'crisiscx.duckdb' }).link(sql, { brand: 'acme' })).toBe(`crisiscx sql "SELECT * FROM spikes WHERE brand = 'acme'"`);
    expect(new LinkBuilder({ template: '', database: '/data/cx db.duckdb' }).link(sql, { brand: '$HOME' })).toBe(
      `crisiscx sql --db "/data/cx db.duckdb" "SELECT * FROM spikes WHERE brand = '\\$HOME'"`,
    );
  });
});
