/**
 * The benchmark workload: the scenario generator at scale, several seeds, written once to
 * .cache/bench/events-N.ndjson and reused by later runs.
 */
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { generateScenario, scenarioLines } from '../src/sources/scenario/generate.js';

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
