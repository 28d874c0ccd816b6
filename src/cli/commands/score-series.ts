/**
 * @module cli/commands/score-series
 * `crisiscx score-series FILE.csv`: scores a series of counts (`timestamp,value`, one row per fixed
 * interval) causally with the pipeline's spike model and writes
 * `timestamp,value,anomaly_score,is_spike`. Streams: any file size, in bounded memory.
 */
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Option, type Command } from 'commander';
import { loadPipelineConfig } from '../../config/pipeline.js';
import { SpikesConfig } from '../../detect/spikes/config.js';
import { SeriesCsvScorer } from '../../detect/spikes/series-csv.js';

interface Opts {
  out: string;
  pipeline?: string;
  intervalSecs?: number;
  thresholdZ?: number;
  seasonality?: 'none' | 'daily' | 'weekly';
  quiet?: boolean;
}

function positive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: expected a positive number, got ${JSON.stringify(v)}`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command('score-series')
    .description('score a CSV of counts per fixed interval (header timestamp,value) for spikes, causally, with the pipeline\'s spike detector; writes timestamp,value,anomaly_score,is_spike')
    .argument('<file>', 'CSV file ("-" for stdin)')
    .option('--out <file>', 'output CSV ("-" for stdout)', '-')
    .option('--pipeline <file>', 'take the detector settings from this pipeline config (its detect.spikes section)')
    .option('--interval-secs <n>', 'the interval of the rows (default: the time between the first two rows)', positive('--interval-secs'))
    .option('--threshold-z <z>', 'sensitivity: overrides detect.spikes.threshold_z (lower finds more)', positive('--threshold-z'))
    .addOption(new Option('--seasonality <kind>', 'overrides detect.spikes.seasonality').choices(['none', 'daily', 'weekly']))
    .option('--quiet', 'no progress line')
    .action(async (file: string, opts: Opts) => {
      const base = opts.pipeline ? loadPipelineConfig(opts.pipeline).detect.spikes : SpikesConfig.parse({});
      const config = SpikesConfig.parse({
        ...base,
        ...(opts.thresholdZ !== undefined ? { threshold_z: opts.thresholdZ } : {}),
        ...(opts.seasonality ? { seasonality: opts.seasonality } : {}),
      });
      const scorer = new SeriesCsvScorer({ config, ...(opts.intervalSecs ? { intervalMs: opts.intervalSecs * 1000 } : {}) });
      const input = file === '-' ? process.stdin : createReadStream(file);
      if (file !== '-') {
        // Fail before writing anything when the file is not there.
        await once(input, 'open').catch((err: Error) => {
          throw new Error(`cannot read ${file}: ${err.message}`);
        });
      }
      const total = file === '-' ? undefined : statSync(file).size;
      const out = opts.out === '-' ? process.stdout : createWriteStream(opts.out);
      const started = Date.now();
      let lastProgress = started;
      let bytes = 0;
      const progress = (final = false) => {
        if (opts.quiet) return;
        const now = Date.now();
        const every = process.stderr.isTTY ? 200 : 5000;
        if (!final && (now - lastProgress < every || now - started < 2000)) return;
        if (final && now - started < 2000) return;
        lastProgress = now;
        const pct = total ? ` ${((100 * bytes) / total).toFixed(1)}%` : '';
        const rate = scorer.summary.rows / Math.max(0.001, (now - started) / 1000);
        process.stderr.write(`score-series:${pct} ${scorer.summary.rows} rows (${Math.round(rate)}/s), ${scorer.summary.spikes} spikes${process.stderr.isTTY && !final ? '\r' : '\n'}`);
      };
      let buf: string[] = [];
      const flush = async () => {
        if (buf.length === 0) return;
        const text = buf.join('\n') + '\n';
        buf = [];
        if (!out.write(text)) await once(out, 'drain');
      };
      let lineNo = 0;
      const lines = createInterface({ input, crlfDelay: Infinity });
      for await (const line of lines) {
        lineNo++;
        bytes += Buffer.byteLength(line) + 1;
        for (const o of scorer.row(line, lineNo)) buf.push(o);
        if (buf.length >= 4096) {
          await flush();
          progress();
        }
      }
      buf.push(...scorer.end());
      await flush();
      if (out !== process.stdout) {
        out.end();
        await once(out, 'finish');
      }
      progress(true);
      if (!opts.quiet && out !== process.stdout) {
        const iv = scorer.summary.intervalMs ? `${scorer.summary.intervalMs / 1000} s interval` : 'no rows';
        process.stderr.write(`scored ${scorer.summary.rows} rows (${iv}): ${scorer.summary.spikes} spikes; wrote ${opts.out}\n`);
      }
    });
}
