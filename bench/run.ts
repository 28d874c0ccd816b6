/**
 * `npm run bench`: figures and ratios measured side by side in one run, on a generated workload of
 * realistic events (the scenario generator at scale: all event types, twelve languages, ~300 bytes
 * an event). Not part of `npm test`: it prints, it does not assert.
 *
 *   npm run bench                    # every section
 *   npm run bench -- file views      # only some sections
 *   BENCH_EVENTS=200000 npm run bench -- file
 *
 * Sections register themselves in SECTIONS (bench/sections/*.ts); each prints its own figures and a
 * summary line, and the summary table is printed at the end with the machine it ran on.
 */
import { cpus, totalmem } from 'node:os';
import { SECTIONS, type BenchResult } from './sections/index.js';

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !SECTIONS[w]);
  if (unknown.length) {
    process.stderr.write(`unknown section(s) ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}\n`);
    process.exit(2);
  }
  const names = wanted.length ? wanted : Object.keys(SECTIONS);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  process.stdout.write(`crisiscx benchmarks on ${machine}\n\n`);
  const results: BenchResult[] = [];
  for (const name of names) {
    process.stdout.write(`== ${name} ==\n`);
    const t0 = Date.now();
    try {
      const r = await SECTIONS[name]!();
      results.push(...r);
    } catch (err) {
      process.stdout.write(`   FAILED: ${(err as Error).stack ?? err}\n`);
      results.push({ section: name, figure: 'error', value: String((err as Error).message), target: '', met: false });
    }
    process.stdout.write(`   (${((Date.now() - t0) / 1000).toFixed(1)} s)\n\n`);
  }
  process.stdout.write(`Summary (${machine})\n`);
  const w = Math.max(...results.map((r) => `${r.section}: ${r.figure}`.length));
  for (const r of results) {
    const mark = r.met === undefined ? ' ' : r.met ? '✔' : '✘';
    process.stdout.write(`${mark} ${`${r.section}: ${r.figure}`.padEnd(w)}  ${r.value}${r.target ? `   (target ${r.target})` : ''}\n`);
  }
}

await main();
