/**
 * `crisiscx report` end to end: the built-in crisis ingested with the real CLI, the report of its
 * crisis period written to a file, then opened from disk in a real browser (Debian's chromium): it
 * needs nothing but itself (no script, no request), every section is filled, and its figures are
 * the views' figures. Bad options get errors that say what to type. Fails when chromium is missing.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDateTime, formatDuration } from '../../src/serve/live/page/format.js';
import { Database } from '../../src/store/database.js';
import { generateScenario } from '../../src/sources/scenario/generate.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const dir = tempDir('crisiscx-report-');
const db = join(dir, 'crisis.duckdb');
const out = join(dir, 'report.html');
const script = generateScenario({ seed: 42 }).script;
let PERIOD = '';
let period: { started_at: Date; ended_at: Date; duration_seconds: number; trigger: string } | undefined;

let browser: Browser;
let page: Page;
const requests: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/provision.sh as root (it installs the Debian package chromium)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const events = join(dir, 'crisis.ndjson');
  const s = await cli(['scenario', '--out', events, '--seed', '42']);
  expect(s.code, s.stderr).toBe(0);
  const i = await cli(['ingest', events, '--db', db]);
  expect(i.code, i.stderr).toBe(0);
  // The crisis period as the detectors and view crisis_periods found it.
  const database = await Database.open(db);
  try {
    const rows = await database.query<{ period_id: string; started_at: Date; ended_at: Date; duration_seconds: number; trigger: string }>(
      "SELECT period_id, started_at, ended_at, duration_seconds, trigger FROM crisis_periods WHERE brand = 'aurora-air' ORDER BY started_at",
    );
    expect(rows.length).toBe(1);
    PERIOD = rows[0]!.period_id;
    period = rows[0];
  } finally {
    await database.close();
  }
  expect(PERIOD).toMatch(/^aurora-air\/2026-03-14T\d\d:\d\dZ$/);
  // The story's surge starts before the incident is declared: the period opens inside that window.
  expect(period!.started_at.getTime()).toBeGreaterThanOrEqual(script.surge.from);
  expect(period!.started_at.getTime()).toBeLessThanOrEqual(script.incidentDeclaredAt);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('request', (r) => requests.push(r.url()));
});

afterAll(async () => {
  await browser?.close();
});

describe('crisiscx report', () => {
  it('lists the crisis periods to choose from', async () => {
    const r = await cli(['report', '--list', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.startsWith(`${PERIOD}\t`));
    expect(line).toBeDefined();
    const [, span, duration, trigger] = line!.split('\t');
    expect(span).toBe(`${formatDateTime(period!.started_at.getTime())} – ${formatDateTime(period!.ended_at.getTime())}`);
    expect(duration).toBe(formatDuration(Number(period!.duration_seconds)));
    expect(trigger).toBe(period!.trigger);
  });

  it('writes one self-contained HTML file with every section filled from the views', async () => {
    const r = await cli(['report', '--period', PERIOD, '--db', db, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote .*report\.html \(\d+ KB\): aurora-air, crisis period /);
    expect(r.stderr).toContain(`crisis period ${PERIOD};`);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/<script|<link rel="stylesheet"|src="http|href="http/i);

    requests.length = 0;
    const url = pathToFileURL(out).href;
    await page.goto(url);
    expect(requests).toEqual([url]);
    expect(await page.title()).toBe('Crisis report — aurora-air');
    const count = (sel: string) => page.locator(sel).count();
    const text = (sel: string) => page.locator(sel).first().innerText();

    // Timeline: the incident, the public updates and the brand's 65-minute public silence.
    const timeline = await text('#panel-timeline');
    expect(timeline).toContain(`Incident ${script.incidentId} declared`);
    expect(timeline).toContain(`Incident ${script.incidentId} resolved`);
    expect(timeline).toMatch(/14 Mar 08:30\s*Brand silent in public for 1h 05m/);
    expect(await text('[data-kpi="brand-silence"] .value')).toBe('1h 05m');
    // Chart, silences, triage, waits, promises, sufferers, guidance, alerts.
    expect(await count('#panel-volume svg path.background')).toBe(1);
    expect(await count('#panel-volume svg path.series')).toBe(4);
    expect(await count('#panel-brand-silence tbody tr')).toBeGreaterThan(0);
    expect(await count('#panel-silences tbody tr')).toBeGreaterThan(0);
    expect(await count('#panel-silence-gaps tbody tr')).toBe(10);
    expect(await count('#panel-triage table.triage tbody tr')).toBe(4);
    expect(await count('#panel-waits tbody tr')).toBe(10);
    expect(await count('#panel-promises table.broken tbody tr')).toBeGreaterThan(0);
    expect(await count('#panel-sufferers tbody tr')).toBe(1);
    expect(await count('#panel-guidance tbody tr')).toBe(4);
    expect(await count('#panel-alerts tbody tr')).toBeGreaterThan(0);
    expect(await text('#panel-sources')).toContain(`SELECT * FROM triage_scorecard WHERE period_id = '${PERIOD}'`);

    // The figures are the views' figures.
    const database = await Database.open(db);
    try {
      const [crit] = await database.query<{ conversations: bigint; breaches: bigint }>(
        `SELECT conversations, breaches FROM triage_scorecard WHERE period_id = '${PERIOD}' AND severity = 'critical'`,
      );
      const cells = await page.locator('#panel-triage table.triage tbody tr').first().locator('td').allInnerTexts();
      expect(cells[0]).toBe('critical');
      expect(cells[1]).toBe(Number(crit!.conversations).toLocaleString('en-US'));
      expect(cells[7]).toBe(Number(crit!.breaches).toLocaleString('en-US'));
      const [silent] = await database.query<{ n: bigint }>("SELECT count(*) AS n FROM silent_sufferers WHERE brand = 'aurora-air'");
      expect(await text('[data-kpi="sufferers"] .value')).toBe(String(Number(silent!.n)));
      const [gaps] = await database.query<{ n: bigint; b: bigint }>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE breached) AS b FROM silence_gaps WHERE brand = 'aurora-air' AND started_at >= '${new Date(period!.started_at.getTime() - 40 * 60_000).toISOString()}' AND started_at <= '${new Date(period!.ended_at.getTime() + 40 * 60_000).toISOString()}'`,
      );
      expect(Number(gaps!.b)).toBeGreaterThan(0);
      expect(await text('#panel-silence-gaps .note')).toMatch(new RegExp(`^[\\d,]+ times a customer waited for a reply; [\\d,]+ past the limit`));
      const [best] = await database.query<{ channel: string }>(`SELECT channel FROM channel_guidance WHERE period_id = '${PERIOD}' AND speed_rank = 1`);
      expect(await text('#panel-guidance')).toContain(`Point customers to ${best!.channel}`);
    } finally {
      await database.close();
    }
    await page.screenshot({ path: join(ARTIFACTS, 'report-file.png'), fullPage: true });
  });

  it('reports the latest crisis period when no range is given, and writes to stdout with --out -', async () => {
    const r = await cli(['report', '--db', db, '--out', '-']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`no range given; reporting the latest crisis period ${PERIOD}`);
    expect(r.stdout).toMatch(/^<!doctype html>/);
    expect(r.stdout).toContain('Crisis report — aurora-air');
  });

  it('refuses unclear or unknown ranges with a message that says what to type', async () => {
    const noTo = await cli(['report', '--db', db, '--from', '2026-03-14T08:00:00Z', '--out', join(dir, 'x.html')]);
    expect(noTo.code).toBe(1);
    expect(noTo.stderr).toContain('--from and --to go together: e.g. --from 2026-03-14T08:00:00Z --to 2026-03-14T12:00:00Z');
    const two = await cli(['report', '--db', db, '--period', PERIOD, '--all', '--out', join(dir, 'x.html')]);
    expect(two.code).toBe(1);
    expect(two.stderr).toContain('choose one range: --period ID, or --from T --to T, or --all');
    const unknown = await cli(['report', '--db', db, '--period', 'aurora-air/1999-01-01T00:00Z', '--out', join(dir, 'x.html')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`--period "aurora-air/1999-01-01T00:00Z" is not a crisis period in this database; pick one of view crisis_periods (latest: ${PERIOD})`);
    const badTime = await cli(['report', '--db', db, '--from', 'yesterday', '--to', '2026-03-14T12:00:00Z', '--out', join(dir, 'x.html')]);
    expect(badTime.code).toBe(1);
    expect(badTime.stderr).toContain('--from "yesterday" is not a time: send an ISO 8601 time with its zone');
    const noOut = await cli(['report', '--db', db, '--period', PERIOD]);
    expect(noOut.code).toBe(1);
    expect(noOut.stderr).toContain('--out report.html');
    expect(existsSync(join(dir, 'x.html'))).toBe(false);
  });
});
