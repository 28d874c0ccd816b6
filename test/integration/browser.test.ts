/**
 * The live page in a real browser (Debian's chromium driven by playwright-core): a live pipeline
 * holds the built-in crisis; the page shows every panel filled from the views, waiting times tick
 * on the pipeline clock, a new event shows within a second, the scenario's hostile social post
 * (`<script>`, `<img onerror>`) shows as text with no dialog, the range picker switches to the
 * crisis period, and the crisis report opens with every section filled. Screenshots land in
 * test-artifacts/. Fails (never skips) when chromium is missing.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcceleratedClock } from '../../src/contract/clock.js';
import type { RawRecord } from '../../src/contract/records.js';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { buildPipeline, type Built } from '../../src/pipeline/build.js';
import { liveHubFor } from '../../src/serve/live/hub.js';
import { formatClock, formatDayTime } from '../../src/serve/live/page/format.js';
import { liveRoutes } from '../../src/serve/live/routes.js';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { generateScenario, scenarioLines } from '../../src/sources/scenario/generate.js';
import { tempDir } from '../helpers/tmp.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const dir = tempDir('crisiscx-browser-');

const scenario = generateScenario({ seed: 42 });
const script = scenario.script;
const lines = scenarioLines(scenario);
const hostileLine = lines.find((l) => l.line.includes(`"id":"${script.hostileMessageId}"`))!;
const hostileText = (JSON.parse(hostileLine.line) as { text: string }).text;
// The hostile post arrives as the newest event, a minute after the story's end.
const hostileNow = JSON.stringify({ ...(JSON.parse(hostileLine.line) as object), ts: new Date(script.end + 60_000).toISOString() });
const record = (line: string, n: number): RawRecord => ({ bytes: Buffer.from(line), origin: { kind: 'scenario', name: 'browser-test', line: n } });

let built: Built;
let server: RunningServer;
let browser: Browser;
let page: Page;
let stopTimers: () => void = () => undefined;
const dialogs: string[] = [];
const pageErrors: string[] = [];
const consoleErrors: string[] = [];
const requests: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/provision.sh as root (it installs the Debian package chromium)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  // Alerts are stored (the page reads them) but sent nowhere: no sink.
  const config = parsePipelineConfig({ name: 'browser-test', database: join(dir, 'live.duckdb'), serve: { enabled: true, port: 0 }, alerts: { sinks: [] } });
  // The crisis as it happened: replayed on event time (detectors and alerts at the story's times).
  const replay = await buildPipeline(config, { live: false });
  const rest = lines.filter((l) => l !== hostileLine);
  for (let i = 0; i < rest.length; i += 2000) {
    await replay.pipeline.process({ records: rest.slice(i, i + 2000).map((l, k) => record(l.line, i + k + 1)) });
  }
  await replay.pipeline.flush();
  await replay.close();
  // Then live on the same file, on a clock that starts where the story ends and runs 60 times
  // faster than the wall: open waits grow by a minute per second.
  const clock = new AcceleratedClock(script.end, 60);
  built = await buildPipeline(config, { live: true, clock });
  stopTimers = built.pipeline.startTimers(250);
  server = await startServer({ db: built.db, host: '127.0.0.1', port: 0, routes: liveRoutes(liveHubFor(built.db), { database: config.database }), sqlApi: false });

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('request', (r) => requests.push(r.url()));
});

afterAll(async () => {
  stopTimers();
  await browser?.close();
  await server?.close();
  if (built) {
    await liveHubFor(built.db).close();
    await built.close();
  }
});

const text = (selector: string) => page.locator(selector).first().innerText();

describe('the live page', () => {
  it('shows the crisis in every panel, from the views', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 15_000 });
    await page.waitForSelector('#status.live', { timeout: 5000 });

    expect(await page.locator('#brand option').allTextContents()).toEqual([expect.stringMatching(/^aurora-air \(/), expect.stringMatching(/^northwind-telecom \(/)]);
    expect(await page.locator('#brand').inputValue()).toBe('aurora-air');
    expect(await page.locator('#range option[value^="period:aurora-air/"]').count()).toBe(1);

    // Upset volume: a line per channel over the grey area of all inbound messages.
    for (const channel of ['chat', 'social', 'ticket', 'email']) {
      expect(await page.locator(`#panel-volume svg path.series[data-series="${channel}"]`).count()).toBe(1);
    }
    expect(await page.locator('#panel-volume svg path.background').count()).toBe(1);
    expect(await page.locator('#panel-volume svg .band-period').count()).toBeGreaterThan(0);

    // Open silences, longest first; the headline count is the view's.
    const waits = await page.locator('#panel-silences tbody tr').count();
    expect(waits).toBeGreaterThan(0);
    const [open] = await built.db.query<{ n: bigint }>("SELECT count(*) AS n FROM silence_gaps WHERE brand = 'aurora-air' AND open");
    expect(await text('[data-kpi="silences"] .value')).toBe(Number(open!.n).toLocaleString('en-US'));
    // Triage: all four severities, with the bleeding-first score.
    expect(await page.locator('#panel-triage table.triage tbody tr').count()).toBe(4);
    expect(await text('#panel-triage')).toMatch(/Bleeding-first score \d/);
    // Promises made during the crisis, some broken.
    expect(await text('#panel-promises')).toMatch(/\d+ made · \d+ kept · \d+ late · [1-9]\d* broken/);
    // Silent sufferers of the incident: 400 affected.
    const sufferers = await text('#panel-sufferers');
    expect(sufferers).toContain(script.incidentId);
    expect(sufferers).toMatch(/\b400\b/);
    // The headline number is the view's.
    const [silent] = await built.db.query<{ n: bigint }>("SELECT count(*) AS n FROM silent_sufferers WHERE brand = 'aurora-air'");
    expect(await text('[data-kpi="sufferers"] .value')).toBe(String(Number(silent!.n)));
    // Brand silence: time since the last public update.
    expect(await text('[data-kpi="brand-silence"] .value')).toMatch(/\d+[hm]/);
    // Firing alerts and events counters are there.
    expect(await text('#panel-alerts h2')).toBe('Firing alerts');
    expect(await text('#totals')).toMatch(/events stored/);
    await page.screenshot({ path: join(ARTIFACTS, 'live-page.png'), fullPage: true });
  });

  it('ticks waiting times on the pipeline clock between updates', async () => {
    const cell = page.locator('#panel-silences tbody tr td .tick[data-since]').first();
    const before = await cell.innerText();
    await page.waitForTimeout(1600);
    const after = await cell.innerText();
    expect(after).not.toBe(before);
    const unit: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };
    const secs = (t: string) => {
      const parts = t.trim().split(' ');
      if (!parts.every((p) => /^\d+[dhms]$/.test(p))) throw new Error(`not a duration: ${t}`);
      return parts.reduce((n, p) => n + Number(p.slice(0, -1)) * unit[p.at(-1)!]!, 0);
    };
    // The clock runs 60× the wall: 1.6 s of waiting is about 96 s on the page.
    expect(secs(after) - secs(before)).toBeGreaterThan(30);
  });

  it('shows a new event within a second, and hostile text as text with no dialog', async () => {
    const totalsBefore = await text('#totals');
    const started = Date.now();
    await built.pipeline.process({ records: [record(hostileNow, 999_999)] });
    const item = page.locator(`li[data-message-id="${script.hostileMessageId}"]`);
    await item.waitFor({ timeout: 1000 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(1000);
    process.stdout.write(`new event on the page ${elapsed} ms after the batch started\n`);
    expect(await text('#totals')).not.toBe(totalsBefore);

    expect(await item.locator('.text').textContent()).toBe(hostileText);
    expect(hostileText).toContain('<script>alert("xss")</script>');
    // Nothing the customer typed became markup: one script (the page's own), no images.
    expect(await page.locator('script').count()).toBe(1);
    expect(await page.locator('img').count()).toBe(0);
    // The snapshot after the batch renders it the same way.
    await page.waitForTimeout(800);
    expect(await page.locator(`li[data-message-id="${script.hostileMessageId}"] .text`).textContent()).toBe(hostileText);
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'live-page-new-event.png'), fullPage: false });
    // Live updates re-render the panel: an element screenshot fails when its element is replaced
    // while Playwright waits for it to be stable (seen under load), so clip where it is at one instant.
    const clip = await page.evaluate(() => {
      const r = document.querySelector('#panel-messages')!.getBoundingClientRect();
      return { x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height };
    });
    await page.screenshot({ path: join(ARTIFACTS, 'live-page-hostile-message.png'), fullPage: true, clip });
  });

  it('switches to a past crisis period with the range picker', async () => {
    const periodOption = await page.locator('#range option[value^="period:"]').first().getAttribute('value');
    await page.selectOption('#range', periodOption!);
    await page.waitForFunction(() => document.querySelector('#panel-alerts h2')?.textContent === 'Alerts fired in this period', undefined, { timeout: 5000 });
    expect(page.url()).toContain(`period=${encodeURIComponent(periodOption!.slice('period:'.length))}`);
    expect(await page.locator('#range').inputValue()).toBe(periodOption);
    const [p] = await built.db.query<{ started_at: Date; ended_at: Date }>(
      `SELECT started_at, ended_at FROM crisis_periods WHERE period_id = '${periodOption!.slice('period:'.length)}'`,
    );
    const [from, to] = [p!.started_at.getTime(), p!.ended_at.getTime()];
    expect(await page.locator('#panel-volume .band-period .band-label').first().textContent()).toBe(`crisis ${formatClock(from)}–${formatClock(to)}`);
    expect(await text('#panel-triage .note')).toContain(`Crisis period ${formatDayTime(from)} – ${formatDayTime(to)}`);
    await page.evaluate(() => window.scrollTo(0, 0)); // the header is sticky: a scrolled page would show it mid-screenshot
    await page.screenshot({ path: join(ARTIFACTS, 'live-page-period.png'), fullPage: true });
  });

  it('opens the crisis report of the chosen period with every section filled and nothing loaded from elsewhere', async () => {
    requests.length = 0;
    await Promise.all([page.waitForURL(/\/report\?/), page.locator('#report').click()]);
    expect(await page.title()).toBe('Crisis report — aurora-air');
    const rows = (sel: string) => page.locator(sel).count();
    expect(await rows('#panel-timeline li')).toBeGreaterThan(8);
    expect(await text('#panel-timeline')).toContain(`Incident ${script.incidentId} declared`);
    expect(await text('#panel-timeline')).toMatch(/Brand silent in public for 1h 05m/);
    expect(await rows('#panel-volume svg path.background')).toBe(1);
    expect(await rows('#panel-brand-silence tbody tr')).toBeGreaterThan(0);
    expect(await rows('#panel-silences tbody tr')).toBeGreaterThan(0);
    expect(await rows('#panel-triage table.triage tbody tr')).toBe(4);
    expect(await rows('#panel-waits tbody tr')).toBeGreaterThan(0);
    expect(await text('#panel-promises')).toMatch(/\d+ made/);
    expect(await rows('#panel-sufferers tbody tr')).toBe(1);
    expect(await rows('#panel-guidance tbody tr')).toBeGreaterThanOrEqual(3);
    expect(await text('#panel-guidance')).toMatch(/Point customers to \w+/);
    expect(await rows('#panel-alerts tbody tr')).toBeGreaterThan(0);
    expect(await rows('script')).toBe(0);
    expect(requests.filter((u) => !u.startsWith(`${server.url}/report?`))).toEqual([]);
    expect(dialogs).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
  });

  it('says what is wrong with a bad range instead of showing a broken page', async () => {
    const res = await page.request.get(`${server.url}/api/live/snapshot?period=nope`);
    expect(res.status()).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/period="nope" is not a crisis period in this database; pick one of view crisis_periods \(latest: aurora-air\//);
    await page.goto(`${server.url}/?period=nope`);
    await page.waitForSelector('#problem.show', { timeout: 10_000 });
    expect(await text('#problem')).toMatch(/is not a crisis period .* showing the live range instead/);
    await page.waitForSelector('#status.live', { timeout: 10_000 });
    expect(consoleErrors.filter((e) => !/400 \(Bad Request\)/.test(e))).toEqual([]);
  });
});
