/**
 * The pipeline's /metrics endpoint scraped by a real Prometheus (Debian package prometheus,
 * installed by scripts/provision.sh) on loopback ports: `crisiscx run` ingests a file and keeps
 * serving; Prometheus scrapes it every second and answers PromQL over its HTTP API with the
 * numbers the run produced. Fails (never skips) when Prometheus is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { DASHBOARDS, renderDashboard } from '../../dashboards/src/catalogue.js';
import { tempDir } from '../helpers/tmp.js';
import { freePort, waitFor } from '../helpers/wait.js';

const PROMETHEUS = '/usr/bin/prometheus';
const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));
const dir = tempDir('crisiscx-prometheus-');

async function stop(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await exited;
}

const T0 = Date.parse('2026-03-14T10:00:00Z');
const STORED = 120;
let crisiscx: ChildProcess | undefined;
let prometheus: ChildProcess | undefined;
let crisiscxLog = '';
let promLog = '';
let promUrl = '';

interface PromResult {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

async function query(q: string): Promise<PromResult['data']['result']> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as PromResult;
  if (body.status !== 'success') throw new Error(`PromQL ${q} failed: ${JSON.stringify(body)}`);
  return body.data.result;
}

beforeAll(async () => {
  if (!existsSync(PROMETHEUS)) throw new Error(`${PROMETHEUS} is missing: run scripts/provision.sh as root (it installs the Debian package prometheus)`);

  // 120 valid messages, 5 sent twice, 2 that are not events.
  const lines: string[] = [];
  for (let i = 0; i < STORED; i++) {
    lines.push(
      JSON.stringify({
        id: `m${i}`,
        type: 'message',
        ts: new Date(T0 + i * 30_000).toISOString(),
        brand: 'acme',
        conversationId: `c${i % 40}`,
        channel: i % 3 === 0 ? 'social' : 'chat',
        direction: i % 4 === 3 ? 'outbound' : 'inbound',
        text: 'my order has not arrived',
      }),
    );
  }
  for (let i = 0; i < 5; i++) lines.push(lines[i]!);
  lines.push('{"id":"broken', JSON.stringify({ id: 'x', type: 'message', ts: 'yesterday' }));
  const input = join(dir, 'events.ndjson');
  writeFileSync(input, `${lines.join('\n')}\n`);
  const pipeline = join(dir, 'pipeline.yaml');
  writeFileSync(
    pipeline,
    [
      'name: prometheus-test',
      `database: ${JSON.stringify(join(dir, 'db.duckdb'))}`,
      'sources:',
      '  - type: file',
      `    paths: [${JSON.stringify(input)}]`,
      'limits:',
      '  batch_size: 50',
      'serve:',
      '  host: 127.0.0.1',
      '  port: 0',
      'telemetry:',
      '  service_name: crisiscx-prometheus-test',
      '',
    ].join('\n'),
  );

  crisiscx = spawn(process.execPath, [tsx, `${root}src/cli/main.ts`, 'run', '--pipeline', pipeline], {
    cwd: root,
    env: { ...process.env, CRISISCX_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  crisiscx.stdout!.on('data', (d) => (crisiscxLog += d));
  crisiscx.stderr!.on('data', (d) => (crisiscxLog += d));
  const target = await waitFor(() => /serving (http:\/\/127\.0\.0\.1:(\d+))/.exec(crisiscxLog)?.[2], `crisiscx to serve (log: ${crisiscxLog.slice(-800)})`);
  await waitFor(() => (crisiscxLog.includes('input finished') ? true : undefined), `crisiscx to finish its input (log: ${crisiscxLog.slice(-800)})`);

  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    ['global:', '  scrape_interval: 1s', '  scrape_timeout: 1s', 'scrape_configs:', '  - job_name: crisiscx', '    metrics_path: /metrics', '    static_configs:', `      - targets: ['127.0.0.1:${target}']`, ''].join('\n'),
  );
  prometheus = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  prometheus.stdout!.on('data', (d) => (promLog += d));
  prometheus.stderr!.on('data', (d) => (promLog += d));
  prometheus.once('error', (err) => (promLog += `spawn failed: ${err.message}`));
  promUrl = `http://127.0.0.1:${port}`;
  await waitFor(async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined), `Prometheus to be ready (log: ${promLog.slice(-800)})`);
});

afterAll(async () => {
  await stop(prometheus);
  await stop(crisiscx);
});

describe('Prometheus scrapes crisiscx /metrics', () => {
  it('answers PromQL with the events the run stored, its dead letters and batch latencies', async () => {
    const stored = await waitFor(
      async () => {
        const r = await query('sum(crisiscx_events_stored_total{job="crisiscx"})');
        return r.length > 0 && Number(r[0]!.value[1]) === STORED ? Number(r[0]!.value[1]) : undefined;
      },
      `sum(crisiscx_events_stored_total) = ${STORED} in Prometheus (prometheus log: ${promLog.slice(-500)}; crisiscx log: ${crisiscxLog.slice(-500)})`,
    );
    expect(stored).toBe(STORED);

    const targets = (await (await fetch(`${promUrl}/api/v1/targets`)).json()) as { data: { activeTargets: { health: string; labels: Record<string, string> }[] } };
    expect(targets.data.activeTargets.map((t) => t.health)).toEqual(['up']);

    const read = await query('sum by (source) (crisiscx_events_in_total)');
    expect(read.map((r) => [r.metric.source, Number(r.value[1])])).toEqual([['file', STORED + 5 + 2]]);
    const dups = await query('crisiscx_duplicates_total');
    expect(Number(dups[0]!.value[1])).toBe(5);
    const dead = await query('sum by (stage) (crisiscx_dead_letters_total)');
    expect(Object.fromEntries(dead.map((r) => [r.metric.stage, Number(r.value[1])]))).toEqual({ parse: 1, schema: 1 });
    const batches = await query('crisiscx_batch_latency_seconds_count');
    expect(Number(batches[0]!.value[1])).toBe(Math.ceil((STORED + 7) / 50));
    const slow = await query('histogram_quantile(0.99, sum by (le) (crisiscx_batch_latency_seconds_bucket))');
    expect(Number(slow[0]!.value[1])).toBeGreaterThan(0);
    const info = await query('target_info');
    expect(info[0]!.metric.service_name).toBe('crisiscx-prometheus-test');
  });

  it('evaluates every PromQL query of the pipeline dashboard', async () => {
    const d = JSON.parse(renderDashboard(DASHBOARDS.find((x) => x.file === 'crisiscx-pipeline.json')!)) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const exprs = d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })));
    expect(exprs.length).toBeGreaterThan(10);
    for (const { title, expr } of exprs) {
      // Grafana's variables as Grafana fills them: the job list, the rate interval.
      const q = expr.replaceAll('$job', '.*').replaceAll('$__rate_interval', '1m');
      const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await res.json()) as { status: string; error?: string };
      expect(body.status, `${title}: ${q}: ${body.error ?? ''}`).toBe('success');
    }
    // A rate needs two scrapes of the series: the stat answers once Prometheus has them.
    const rateExpr = d.panels.find((p) => p.title === 'Events stored / min')!.targets![0]!.expr.replaceAll('$job', '.*');
    const stored = await waitFor(async () => ((await query(rateExpr)).length === 1 ? await query(rateExpr) : undefined), `${rateExpr} to answer`, 20_000);
    expect(Number(stored[0]!.value[1])).toBeGreaterThanOrEqual(0);
  });

  it('the Prometheus config of docker-compose.yml passes promtool', () => {
    const token = join(dir, 'token');
    writeFileSync(token, 'secret');
    const cfg = join(dir, 'compose-prometheus.yml');
    writeFileSync(cfg, readFileSync(join(root, 'dashboards/provisioning/prometheus/prometheus.yml'), 'utf8').replace('/run/secrets/crisiscx_token', token));
    const r = spawnSync('/usr/bin/promtool', ['check', 'config', cfg], { encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });
});
