/**
 * @module cli/commands/replay
 * `crisiscx replay --pipeline other.yaml --db copy.duckdb`: a past crisis again under other
 * thresholds or targets ("with a 10-minute chat target, how many breaches would we have had?").
 */
import { type Command } from 'commander';
import { loadPipelineConfig } from '../../config/pipeline.js';
import { replay, type ReplayReport } from '../../replay/replay.js';
import { brandSummaries } from '../../replay/snapshot.js';
import { ProgressLine } from '../progress.js';

/** The brand_summary figures a replay compares, with how to show them. */
const FIGURES: [key: string, label: string, kind: 'count' | 'share' | 'score'][] = [
  ['crisis_periods', 'crisis periods', 'count'],
  ['triaged_conversations', 'conversations with a severity', 'count'],
  ['triage_breaches', 'first-response target breaches', 'count'],
  ['within_target_share', 'answered within target', 'share'],
  ['crisis_bleeding_first_score', 'bleeding-first score in crises', 'score'],
  ['promises_made', 'promises made', 'count'],
  ['promises_kept', 'promises kept', 'count'],
  ['promises_late', 'promises late', 'count'],
  ['promises_broken', 'promises broken', 'count'],
  ['promise_keep_rate', 'promise keep rate', 'share'],
  ['silent_sufferers', 'silent sufferers', 'count'],
  ['proactive_coverage', 'proactive coverage', 'share'],
];

function show(v: unknown, kind: 'count' | 'share' | 'score'): string {
  if (v === null || v === undefined) return '-';
  const n = Number(v);
  if (kind === 'share') return `${(100 * n).toFixed(1)}%`;
  if (kind === 'score') return n.toFixed(1);
  return String(n);
}

/** The before/after table printed at the end of a replay (every figure is a brand_summary column). */
export function formatComparison(r: ReplayReport): string {
  const before = new Map(brandSummaries(r.before).map((b) => [String(b.brand), b]));
  const after = new Map(brandSummaries(r.after).map((b) => [String(b.brand), b]));
  const brands = [...new Set([...before.keys(), ...after.keys()])].sort();
  const head = ['', `before (${r.previousConfigHash ?? 'no config recorded'})`, `after (${r.configHash})`];
  const lines: string[][] = [head];
  for (const brand of brands) {
    lines.push([brand, '', '']);
    for (const [key, label, kind] of FIGURES) {
      lines.push([`  ${label}`, show(before.get(brand)?.[key], kind), show(after.get(brand)?.[key], kind)]);
    }
  }
  const alerts = (rows: string[] | undefined) =>
    new Map((rows ?? []).map((j) => JSON.parse(j) as { brand: string; rule: string; fired: number }).map((a) => [`${a.brand} ${a.rule}`, a.fired]));
  const ab = alerts(r.before.alert_counts);
  const aa = alerts(r.after.alert_counts);
  const keys = [...new Set([...ab.keys(), ...aa.keys()])].sort();
  if (keys.length) {
    lines.push(['alerts fired (alert_episodes)', '', '']);
    for (const k of keys) lines.push([`  ${k}`, String(ab.get(k) ?? 0), String(aa.get(k) ?? 0)]);
  }
  const w0 = Math.max(...lines.map((l) => l[0]!.length));
  const w1 = Math.max(...lines.map((l) => l[1]!.length));
  return lines.map((l) => `${l[0]!.padEnd(w0)}  ${l[1]!.padStart(w1)}  ${l[2]}`.trimEnd()).join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('replay')
    .description('replay the events of a database through a pipeline config (other thresholds, targets) and compare the results')
    .requiredOption('--pipeline <file>', 'the pipeline config to replay under, e.g. pipelines/what-if.yaml')
    .option('--db <file>', 'where the replayed results go (default: the config\'s database); replaced in place when it is also --from')
    .option('--from <file>', 'the database whose events are replayed (default: --db itself)')
    .option('--force', 'overwrite --db when it exists and is not --from')
    .option('--quiet', 'no progress line')
    .action(async (opts: { pipeline: string; db?: string; from?: string; force?: boolean; quiet?: boolean }) => {
      const config = loadPipelineConfig(opts.pipeline);
      if (opts.db) config.database = opts.db;
      const from = opts.from ?? config.database;
      const progress = new ProgressLine(`replay ${from}`);
      const report = await replay({
        config,
        from,
        force: opts.force,
        pipelineFile: opts.pipeline,
        onBatch: (s, src) => {
          if (!opts.quiet) progress.update(src.progress(), s);
        },
      });
      if (!opts.quiet) progress.done({ done: report.events, total: report.events, unit: 'records', records: report.events }, { stored: report.events, duplicates: 0, deadLetters: 0 });
      process.stdout.write(
        `replayed ${report.events} events of ${report.from} under ${opts.pipeline} (config ${report.configHash}) into ${report.into}\n\n` +
          formatComparison(report) +
          `\nrun ${report.runId}; every row behind these figures: crisiscx sql --db ${report.into} "SELECT phase, relation, row_json FROM result_snapshots WHERE run_id = '${report.runId}'"\n`,
      );
    });
}
