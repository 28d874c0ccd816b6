import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSet } from '../../eval/upset/metrics.js';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { scorerFromConfig } from '../../src/score/stage.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const parseLines = (s: string) =>
  s
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('crisiscx score-text', () => {
  const dir = tempDir();
  const scorer = scorerFromConfig(parsePipelineConfig({}).score);

  it('writes one line per input line, in order, with what the pipeline scorer gives', async () => {
    const items = loadSet();
    const input = items.map((i, n) => JSON.stringify(n % 3 === 0 ? { text: i.text, id: i.id } : { text: i.text, lang: i.lang, id: i.id })).join('\n') + '\n';
    const r = await cli(['score-text', '--quiet'], { input });
    expect(r.code).toBe(0);
    const out = parseLines(r.stdout);
    expect(out).toHaveLength(items.length);
    out.forEach((o, n) => {
      const i = items[n]!;
      const want = scorer.score({ text: i.text, lang: n % 3 === 0 ? undefined : i.lang });
      expect(o).toEqual({ id: i.id, upset: want.score, label: want.label, lang: want.lang });
    });
  });

  it('answers a bad line with an error in its place and goes on', async () => {
    const input = [
      JSON.stringify({ text: 'Still waiting, third time I ask' }),
      'not json',
      '',
      JSON.stringify({ text: 5 }),
      JSON.stringify(['text']),
      JSON.stringify({ text: 'x'.repeat(100_001) }),
      JSON.stringify({ text: 'thanks!', lang: 'en', sentiment: 3 }),
      JSON.stringify({ text: 'thanks!', lang: 'en' }),
    ].join('\n');
    const r = await cli(['score-text', '-', '--quiet'], { input });
    expect(r.code).toBe(0);
    const out = parseLines(r.stdout);
    expect(out).toHaveLength(8);
    expect(out[0]).toMatchObject({ label: 'upset', lang: 'eng' });
    expect(out[1]!.error).toMatch(/^line 2: not JSON \(.*\); expected \{"text": "\.\.\.", "lang": "\.\.\."\}$/);
    expect(out[2]).toEqual({ error: 'line 3: empty line; expected {"text": "...", "lang": "..."}' });
    expect(out[3]).toEqual({ error: 'line 4: text: expected string, got number 5' });
    expect(out[4]).toEqual({ error: 'line 5: expected an object like {"text": "...", "lang": "..."}, got an array' });
    expect(out[5]).toEqual({ error: 'line 6: text: is longer than 100000 characters' });
    expect(out[6]).toEqual({ error: 'line 7: sentiment: must be at most 1, got 3' });
    expect(out[7]).toMatchObject({ label: 'not_upset' });
  });

  it('reads a file, streams many lines without losing one, and takes settings from a pipeline config', async () => {
    const file = join(dir, 'many.ndjson');
    const texts = ['I am disappointed', 'Thank you so much', 'Where is my bag?? 😡'];
    const n = 30_000;
    writeFileSync(file, Array.from({ length: n }, (_, k) => JSON.stringify({ id: k, text: texts[k % 3] })).join('\n') + '\n');
    const r = await cli(['score-text', file, '--quiet']);
    expect(r.code).toBe(0);
    const out = parseLines(r.stdout);
    expect(out).toHaveLength(n);
    expect(out.every((o, k) => o.id === k)).toBe(true);

    const cfg = join(dir, 'strict.yaml');
    writeFileSync(cfg, 'score:\n  upset_threshold: 0.95\n');
    const disappointed = scorer.score({ text: texts[0] }).score;
    const lax = parseLines((await cli(['score-text', file, '--quiet', '--threshold', '0.2'])).stdout);
    const strict = parseLines((await cli(['score-text', file, '--quiet', '--pipeline', cfg])).stdout);
    expect(lax[0]).toMatchObject({ upset: disappointed, label: 'upset' });
    expect(strict[0]).toMatchObject({ upset: disappointed, label: 'not_upset' });
  });

  it('explains a score on request', async () => {
    const r = await cli(['score-text', '--explain', '--quiet'], { input: JSON.stringify({ text: 'Not happy at all, still waiting!!' }) });
    const [o] = parseLines(r.stdout);
    expect(o!.signals).toMatchObject({ langSource: 'vote', punctuation: 0.8 });
    expect((o!.signals as { terms: string[] }).terms).toEqual(expect.arrayContaining(['negated positive:happy', 'complaint:still waiting']));
  });

  it('fails, with a reason and exit code 1, only when the input cannot be read', async () => {
    const missing = await cli(['score-text', join(dir, 'missing.ndjson')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^crisiscx: cannot read .*missing\.ndjson: ENOENT/);
    mkdirSync(join(dir, 'folder'));
    const folder = await cli(['score-text', join(dir, 'folder')]);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toContain('it is a directory');
    const badThreshold = await cli(['score-text', '--threshold', '2'], { input: '' });
    expect(badThreshold.code).not.toBe(0);
    expect(badThreshold.stderr).toContain('--threshold must be a number in [0, 1], got "2"');
  });
});
