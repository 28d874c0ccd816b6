/**
 * The upset evaluation set (eval/upset/set.ndjson, written for crisiscx) and the metrics computed
 * over it: precision, recall and F1 of the `upset` label, overall, per language and per kind of
 * message, and how often the language was detected right when `lang` was left out.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toIso6393 } from '../../src/score/upset/lang-codes.js';
import type { UpsetResult } from '../../src/score/upset/scorer.js';

export interface EvalItem {
  id: string;
  /** BCP 47 tag of the language the message is written in. */
  lang: string;
  label: 'upset' | 'not_upset';
  /** complaint, anger, fear, sarcasm, negated_positive, polite_cancel, thanks, question, ... */
  kind: string;
  /** dev: looked at while building the scorer; test: only ever scored. */
  split: 'dev' | 'test';
  text: string;
}

export const SET_PATH = fileURLToPath(new URL('./set.ndjson', import.meta.url));

export function loadSet(path = SET_PATH): EvalItem[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EvalItem);
}

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface Scores extends Counts {
  n: number;
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
}

export function scoresOf(c: Counts): Scores {
  const n = c.tp + c.fp + c.fn + c.tn;
  const precision = c.tp + c.fp ? c.tp / (c.tp + c.fp) : 1;
  const recall = c.tp + c.fn ? c.tp / (c.tp + c.fn) : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { ...c, n, precision, recall, f1, accuracy: n ? (c.tp + c.tn) / n : 0 };
}

function add(c: Counts, truth: boolean, predicted: boolean): void {
  if (truth && predicted) c.tp++;
  else if (!truth && predicted) c.fp++;
  else if (truth && !predicted) c.fn++;
  else c.tn++;
}

const empty = (): Counts => ({ tp: 0, fp: 0, fn: 0, tn: 0 });

export interface Evaluation {
  overall: Scores;
  byLang: Record<string, Scores>;
  byKind: Record<string, { n: number; correct: number }>;
  /** Items where the language was left out: share whose detected language was the true one. */
  detection: { n: number; correct: number; wrong: { id: string; truth: string; detected: string | null }[] };
  errors: { item: EvalItem; result: UpsetResult }[];
}

/**
 * Scores every item with `score` and compares the labels. With `declareLang` false the item's
 * language is withheld, as when a source sends no `lang`.
 */
export function evaluate(items: EvalItem[], score: (text: string, lang: string | undefined) => UpsetResult, declareLang: boolean): Evaluation {
  const overall = empty();
  const byLang: Record<string, Counts> = {};
  const byKind: Record<string, { n: number; correct: number }> = {};
  const detection = { n: 0, correct: 0, wrong: [] as Evaluation['detection']['wrong'] };
  const errors: Evaluation['errors'] = [];
  for (const item of items) {
    const r = score(item.text, declareLang ? item.lang : undefined);
    const truth = item.label === 'upset';
    const predicted = r.label === 'upset';
    add(overall, truth, predicted);
    add((byLang[item.lang] ??= empty()), truth, predicted);
    const k = (byKind[item.kind] ??= { n: 0, correct: 0 });
    k.n++;
    if (truth === predicted) k.correct++;
    else errors.push({ item, result: r });
    if (!declareLang) {
      detection.n++;
      const want = toIso6393(item.lang)?.code;
      if (r.signals.detected === want) detection.correct++;
      else detection.wrong.push({ id: item.id, truth: want ?? item.lang, detected: r.signals.detected });
    }
  }
  return {
    overall: scoresOf(overall),
    byLang: Object.fromEntries(Object.entries(byLang).map(([l, c]) => [l, scoresOf(c)])),
    byKind,
    detection,
    errors,
  };
}
