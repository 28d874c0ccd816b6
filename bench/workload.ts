/**
 * The benchmark workload: the scenario generator at scale, several seeds, written once to
 * .cache/bench/events-N.ndjson and reused by later runs.
 */
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { generateScenario, scenarioLines } from '../src/sources/scenario/generate.js';
import { CONVERSATION_FACTS_BULK } from '../src/store/conversation-facts.js';

export const CACHE = '.cache/bench';

export function benchEvents(): number {
  return Number(process.env.BENCH_EVENTS ?? 1_000_000);
}

/** An NDJSON file of about `n` lines (all event types, 12 languages, a few invalid lines). */
export async function workloadFile(n = benchEvents()): Promise<{ path: string; lines: number; bytes: number }> {
  mkdirSync(CACHE, { recursive: true });
  const path = `${CACHE}/events-${n}.ndjson`;
  if (!existsSync(path)) {
    const tmp = `${path}.tmp`;
    const out = createWriteStream(tmp);
    let written = 0;
    // One scenario at scale 1 is ~10k lines; scale 20 per seed keeps each seed's story realistic.
    for (let seed = 1; written < n; seed++) {
      const s = generateScenario({ seed, scale: 20, start: Date.parse('2026-03-01T00:00:00Z') + seed * 6 * 3600_000 });
      for (const { line } of scenarioLines(s)) {
        if (written >= n) break;
        if (!out.write(line + '\n')) await once(out, 'drain');
        written++;
      }
      process.stderr.write(`\r   generating workload: ${written}/${n} lines`);
    }
    out.end();
    await once(out, 'finish');
    renameSync(tmp, path);
    process.stderr.write('\n');
  }
  return { path, lines: n, bytes: statSync(path).size };
}

export function rate(n: number, ms: number): number {
  return n / (ms / 1000);
}

export function fmtRate(r: number): string {
  return r >= 1e6 ? `${(r / 1e6).toFixed(2)}M/s` : `${(r / 1e3).toFixed(1)}k/s`;
}

/**
 * DuckDB's own bulk load of a workload file into crisiscx's tables (the same columns and casts the
 * pipeline produces), as labelled statements run in order; the last drops the staging table.
 */
export function bulkLoadStatements(file: string): [string, string][] {
  const f = file.replaceAll("'", "''");
  return [
    [
      'read_ndjson_objects → staging table',
      `CREATE TEMP TABLE stage AS
    SELECT json AS raw, json->>'id' AS id, json->>'type' AS type,
           CASE WHEN json_type(json->'ts') = 'VARCHAR' THEN (json->>'ts')::TIMESTAMPTZ ELSE to_timestamp((json->>'ts')::DOUBLE / 1000) END AS ts,
           coalesce(json->>'brand', 'default') AS brand, json->>'source' AS source,
           json->>'conversationId' AS conversation_id, json->>'customerId' AS customer_id,
           json->>'channel' AS channel, json->>'direction' AS direction, json->>'agentId' AS agent_id,
           json->>'text' AS text, json->>'lang' AS lang, coalesce((json->>'public')::BOOLEAN, true) AS public,
           (json->>'sentiment')::DOUBLE AS sentiment, json->>'action' AS action, json->>'severity' AS severity,
           json->>'status' AS status, json->>'topic' AS topic, json->>'promiseId' AS promise_id,
           (json->>'dueAt')::TIMESTAMPTZ AS due_at, json->>'kind' AS kind, json->>'incidentId' AS incident_id,
           json->>'title' AS title, (json->>'score')::INTEGER AS score
    FROM read_ndjson_objects('${f}', ignore_errors = true)
    WHERE try_cast(json->>'ts' AS TIMESTAMPTZ) IS NOT NULL OR json_type(json->'ts') IN ('BIGINT', 'UBIGINT', 'DOUBLE')`,
    ],
    ['events', `INSERT INTO events SELECT id, type, ts, brand, source, conversation_id, customer_id, NULL, now(), raw FROM stage`],
    ['messages', `INSERT INTO messages SELECT id, ts, brand, source, conversation_id, channel, direction, customer_id, agent_id, text, lang, public, sentiment, NULL, NULL, NULL FROM stage WHERE type = 'message'`],
    ['tickets', `INSERT INTO tickets SELECT id, ts, brand, source, conversation_id, action, severity, status, customer_id, channel, topic FROM stage WHERE type = 'ticket'`],
    ['promises', `INSERT INTO promises SELECT id, ts, brand, source, conversation_id, promise_id, action, due_at, kind, agent_id, text FROM stage WHERE type = 'promise'`],
    ['broadcasts', `INSERT INTO broadcasts SELECT id, ts, brand, source, channel, text, incident_id FROM stage WHERE type = 'broadcast'`],
    ['impacts', `INSERT INTO impacts SELECT id, ts, brand, source, customer_id, incident_id, severity FROM stage WHERE type = 'impact'`],
    ['incidents', `INSERT INTO incidents SELECT id, ts, brand, source, incident_id, action, title, severity FROM stage WHERE type = 'incident'`],
    ['csat', `INSERT INTO csat SELECT id, ts, brand, source, conversation_id, score, customer_id FROM stage WHERE type = 'csat'`],
    // The per-conversation facts the pipeline's writer keeps per batch (view conversations reads them).
    ...CONVERSATION_FACTS_BULK.map((sql, i): [string, string] => [i === 0 ? 'conversation facts' : 'conversation facts marks', sql]),
    ['drop staging table', 'DROP TABLE stage'],
  ];
}
