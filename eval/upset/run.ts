/**
 * `npm run eval:upset`: precision, recall and F1 of the upset label on the evaluation set
 * (eval/upset/set.ndjson), overall, per split, per language and per kind of message, with the
 * language declared and with it withheld (detected); and VADER (compound <= -0.05 as upset) on the
 * English part, side by side.
 *
 *   npm run eval:upset                 # the report
 *   npm run eval:upset -- --errors     # also list every misclassified dev message (test errors stay hidden)
 *   npm run eval:upset -- --errors=all # list test errors too (then the test split is no longer blind)
 *   npm run eval:upset -- --threshold 0.6
 */
import vader from 'vader-sentiment';
import { UpsetScorer } from '../../src/score/upset/scorer.js';
import { evaluate, loadSet, scoresOf, type EvalItem, type Evaluation, type Scores } from './metrics.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const valueOf = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : flag(name)?.split('=')[1];
};
const threshold = Number(valueOf('threshold') ?? 0.5);
const errorsFlag = flag('errors');
const showErrors = errorsFlag ? (errorsFlag.endsWith('=all') ? 'all' : 'dev') : 'none';

const scorer = new UpsetScorer({ threshold, explain: true });
const score = (text: string, lang: string | undefined) => scorer.score({ text, lang });
const items = loadSet();

const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(6);
const row = (name: string, s: Scores) =>
  `  ${name.padEnd(22)} n=${String(s.n).padStart(3)}  P ${pct(s.precision)}  R ${pct(s.recall)}  F1 ${pct(s.f1)}  acc ${pct(s.accuracy)}  (tp ${s.tp} fp ${s.fp} fn ${s.fn} tn ${s.tn})`;

function report(title: string, subset: EvalItem[], declare: boolean): Evaluation {
  const e = evaluate(subset, score, declare);
  console.log(`\n${title}`);
  console.log(row('all', e.overall));
  for (const [lang, s] of Object.entries(e.byLang)) console.log(row(lang, s));
  if (!declare) console.log(`  language detected right: ${e.detection.correct}/${e.detection.n} (${pct(e.detection.correct / Math.max(1, e.detection.n)).trim()})`);
  return e;
}

console.log(`upset scorer on eval/upset/set.ndjson: ${items.length} messages, ${new Set(items.map((i) => i.lang)).size} languages, threshold ${threshold}`);
for (const split of ['dev', 'test'] as const) {
  const subset = items.filter((i) => i.split === split);
  report(`== ${split} split, lang declared ==`, subset, true);
  const e = report(`== ${split} split, lang withheld (detected) ==`, subset, false);
  if (e.detection.wrong.length) console.log(`  misdetected: ${e.detection.wrong.map((w) => `${w.id} ${w.truth}→${w.detected}`).join(', ')}`);
}
const all = report('== all, lang declared ==', items, true);
const allDetected = report('== all, lang withheld (detected) ==', items, false);

console.log('\n== by kind of message (all, lang declared): correct / n ==');
for (const [kind, k] of Object.entries(all.byKind).sort()) console.log(`  ${kind.padEnd(20)} ${k.correct}/${k.n}`);

// VADER on the English part, the same messages, side by side.
const english = items.filter((i) => i.lang === 'en');
const vCounts = { tp: 0, fp: 0, fn: 0, tn: 0 };
for (const i of english) {
  const upset = vader.SentimentIntensityAnalyzer.polarity_scores(i.text).compound <= -0.05;
  const truth = i.label === 'upset';
  if (truth && upset) vCounts.tp++;
  else if (!truth && upset) vCounts.fp++;
  else if (truth) vCounts.fn++;
  else vCounts.tn++;
}
const ours = evaluate(english, score, true).overall;
console.log('\n== English: crisiscx vs VADER (compound <= -0.05 as upset) ==');
console.log(row('crisiscx', ours));
console.log(row('vader-sentiment', scoresOf(vCounts)));

// Throughput of the scorer alone, declared and detected language.
for (const declare of [true, false]) {
  const texts = items.map((i) => ({ text: i.text, lang: declare ? i.lang : undefined }));
  for (let w = 0; w < 3; w++) for (const t of texts) scorer.score(t);
  const plain = new UpsetScorer({ threshold });
  let n = 0;
  // CPU time of this process, not wall time: the figure holds on a busy shared machine too.
  const c0 = process.cpuUsage();
  while (process.cpuUsage(c0).user < 1_500_000) {
    for (const t of texts) plain.score(t);
    n += texts.length;
  }
  const us = process.cpuUsage(c0).user / n;
  console.log(`\nthroughput, lang ${declare ? 'declared' : 'withheld'}: ${Math.round(1e6 / us).toLocaleString('en')} messages per CPU-second (${us.toFixed(1)} µs each)`);
}

if (showErrors !== 'none') {
  const errs = allDetected.errors.filter((e) => showErrors === 'all' || e.item.split === 'dev');
  console.log(`\n== misclassified (${showErrors === 'all' ? 'all splits' : 'dev split'}, lang withheld) ==`);
  for (const { item, result } of errs) {
    console.log(`  ${item.id} [${item.kind}] want ${item.label}, got ${result.score} ${result.signals.detected}: ${item.text}`);
    console.log(`      ${(result.signals.terms ?? []).join('; ') || '(no terms)'}`);
  }
}
