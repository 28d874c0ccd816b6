import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateScenario, scenarioLines } from '../../src/sources/scenario/generate.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const count = async (db: string, sql: string) => Number(JSON.parse((await cli(['sql', sql, '--db', db, '--format', 'json'])).stdout.trim().split('\n')[0]!).n);

describe('crisiscx CLI', () => {
  const dir = tempDir();

  it('ingests a file with 1 % garbage: stores the rest, dead-letters every bad line with its line number and reason', async () => {
    const lines: string[] = [];
    const bad = new Set<number>();
    for (let i = 1; i <= 2000; i++) {
      if (i % 100 === 0) {
        bad.add(i);
        lines.push(i % 200 === 0 ? `{"id":"g${i}","type":"message"` : JSON.stringify({ id: `g${i}`, type: 'ticket', ts: 1773482400000 + i, conversationId: `c${i}`, action: 'opened', severity: 'urgent' }));
      } else {
        lines.push(JSON.stringify({ id: `e${i}`, type: 'message', ts: 1773482400000 + i * 1000, conversationId: `c${i % 50}`, channel: 'chat', direction: i % 2 ? 'inbound' : 'outbound', text: `message ${i}` }));
      }
    }
    const file = join(dir, 'garbage.ndjson');
    writeFileSync(file, lines.join('\n') + '\n');
    const db = join(dir, 'g.duckdb');
    const r = await cli(['ingest', file, '--db', db, '--batch-size', '300']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2000 records read: 1980 stored, 0 duplicates skipped, 20 dead letters');
    const dl = JSON.parse((await cli(['sql', 'SELECT list(line ORDER BY line) AS lines, list(DISTINCT stage) AS stages, min(reason) AS r FROM dead_letters WHERE reason LIKE \'ticket.severity%\'', '--db', db, '--format', 'json'])).stdout);
    expect(dl.lines).toEqual([...bad].filter((i) => i % 200 !== 0));
    expect(dl.r).toBe('ticket.severity: expected "critical", "high", "normal" or "low", got "urgent"');
    expect(await count(db, "SELECT count(*) AS n FROM dead_letters WHERE stage = 'parse' AND octet_length(raw) > 0")).toBe(10);

    // Twice: nothing stored twice, dead letters included.
    const again = await cli(['ingest', file, '--db', db]);
    expect(again.stdout).toContain('2000 records read: 0 stored, 1980 duplicates skipped, 0 dead letters');
    expect(await count(db, 'SELECT count(*) AS n FROM events')).toBe(1980);
    expect(await count(db, 'SELECT count(*) AS n FROM dead_letters')).toBe(20);
  });

  it('reads standard input and prints CSV and JSON', async () => {
    const db = join(dir, 's.duckdb');
    const input = [JSON.stringify({ id: 'x1', type: 'csat', ts: '2026-03-14T10:00:00Z', conversationId: 'c, "quoted"', score: 2 })].join('\n');
    expect((await cli(['ingest', '-', '--db', db, '--quiet'], { input })).stdout).toContain('1 stored');
    const csv = await cli(['sql', 'SELECT conversation_id, score FROM csat', '--db', db, '--format', 'csv']);
    expect(csv.stdout).toBe('conversation_id,score\n"c, ""quoted""",2\n');
    const table = await cli(['sql', 'SELECT conversation_id, score FROM csat', '--db', db]);
    expect(table.stdout).toMatch(/conversation_id +│ score\n.*\nc, "quoted" +│ 2\n\(1 row\)/);
  });

  it('explains a bad query, a bad config and a missing file without a stack trace', async () => {
    const db = join(dir, 'e.duckdb');
    const q = await cli(['sql', 'SELECT nope FROM events', '--db', db]);
    expect(q.code).toBe(1);
    expect(q.stderr).toMatch(/^crisiscx: .*nope/);
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, 'database: x.duckdb\nlimits:\n  batch_sise: 10\n');
    const c = await cli(['run', '--pipeline', cfg, '--no-serve']);
    expect(c.stderr).toContain(`${cfg}: limits: unknown keys batch_sise`);
    const m = await cli(['ingest', join(dir, 'missing.ndjson'), '--db', db]);
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/ENOENT.*missing\.ndjson/);
  });

  it('writes the scenario deterministically and `demo` replays it into the tables', async () => {
    const out = join(dir, 'sc.ndjson');
    expect((await cli(['scenario', '--out', out, '--seed', '7'])).code).toBe(0);
    const expected = scenarioLines(generateScenario({ seed: 7 })).map((l) => l.line).join('\n') + '\n';
    expect((await import('node:fs')).readFileSync(out, 'utf8')).toBe(expected);

    const db = join(dir, 'demo.duckdb');
    const r = await cli(['demo', '--db', db, '--speed', '0', '--no-serve', '--seed', '7']);
    expect(r.code).toBe(0);
    const s = generateScenario({ seed: 7 }).script;
    for (const t of ['messages', 'tickets', 'promises', 'broadcasts', 'impacts', 'incidents', 'csat']) {
      expect(await count(db, `SELECT count(*) AS n FROM ${t}`), t).toBeGreaterThan(0);
    }
    expect(await count(db, 'SELECT count(*) AS n FROM dead_letters')).toBe(s.garbage);
    expect(await count(db, "SELECT count(DISTINCT customer_id) AS n FROM impacts")).toBe(s.impactedCustomers);
  }, 180_000); // the whole story through every stage, in a child process
});
