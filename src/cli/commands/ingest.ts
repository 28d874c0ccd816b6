/** @module cli/commands/ingest — `crisiscx ingest FILE...`: files (or stdin) into the database. */
import { type Command } from 'commander';
import { parsePipelineConfig } from '../../config/pipeline.js';
import { ADAPTERS } from '../../normalize/adapters/index.js';
import { buildPipeline, buildSource } from '../../pipeline/build.js';
import { ProgressLine } from '../progress.js';
import { dbOption } from './shared.js';

export function register(program: Command): void {
  program
    .command('ingest')
    .description('read NDJSON (or adapter-format) files into the database, idempotently; "-" reads stdin')
    .argument('<files...>', 'files to read in order')
    .addOption(dbOption())
    .option('--format <name>', `input format: ${Object.keys(ADAPTERS).join(', ')}`, 'canonical')
    .option('--brand <name>', 'brand stamped on every event (default: what the format says, else "default")')
    .option('--brand-accounts <list>', "the brand's own accounts, comma-separated: X ids or @handles (x, twcs), agent user ids (zendesk)", (v) => v.split(',').map((a) => a.trim()).filter(Boolean))
    .option('--batch-size <n>', 'records per transaction', (v) => Number.parseInt(v, 10), 5000)
    .option('--max-event-bytes <n>', 'larger records go to dead letters', (v) => Number.parseInt(v, 10), 1 << 20)
    .option('--quiet', 'no progress line')
    .action(async (files: string[], opts: { db: string; format: string; brand?: string; brandAccounts?: string[]; batchSize: number; maxEventBytes: number; quiet?: boolean }) => {
      const config = parsePipelineConfig(
        {
          database: opts.db,
          sources: [{ type: 'file', paths: files, format: opts.format, brand: opts.brand, brand_accounts: opts.brandAccounts }],
          limits: { batch_size: opts.batchSize, max_event_bytes: opts.maxEventBytes },
          serve: { enabled: false },
        },
        'command line',
      );
      const source = buildSource(config.sources[0]!, config);
      const progress = new ProgressLine(files.length === 1 ? files[0]! : `${files.length} files`);
      const built = await buildPipeline(config, {
        onBatch: (s) => {
          if (!opts.quiet) progress.update(source.progress(), s);
        },
      });
      try {
        await built.pipeline.runSource(source);
        await built.pipeline.flush();
        const s = built.pipeline.stats;
        if (!opts.quiet) progress.done(source.progress(), s);
        process.stdout.write(
          `${s.records} records read: ${s.stored} stored, ${s.duplicates} duplicates skipped, ${s.deadLetters} dead letters` +
            (s.deadLetters > 0 ? ` (see: crisiscx sql "SELECT source_name, line, reason FROM dead_letters ORDER BY received_at DESC LIMIT 20")` : '') +
            '\n',
        );
      } finally {
        await built.close();
      }
    });
}
