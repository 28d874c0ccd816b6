/**
 * Grafana dashboards as code: the committed JSON in dashboards/generated is what dashboards/src
 * builds; every SQL panel's request, sent the way the Infinity data source sends it (its JSON body
 * with Grafana's variables filled in), runs on crisiscx's real SQL API over the built-in crisis and
 * returns the columns the panel declares; every PromQL panel names metrics of the catalogue; the
 * provisioning files and docker-compose.yml point at what exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARDS, renderDashboard } from '../../dashboards/src/catalogue.js';
import { INFINITY_TYPE, PROMETHEUS_UID, SQL_UID } from '../../dashboards/src/datasources.js';
import { loadPipelineConfig, parsePipelineConfig } from '../../src/config/pipeline.js';
import { buildPipeline, type Built } from '../../src/pipeline/build.js';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { ScenarioSource } from '../../src/sources/scenario/source.js';
import { METRIC_CATALOGUE } from '../../src/telemetry/metrics.js';
import { tempDir } from '../helpers/tmp.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const generated = join(root, 'dashboards', 'generated');
const dir = tempDir('crisiscx-dashboards-');

interface Target {
  refId: string;
  datasource: { type: string; uid: string };
  expr?: string;
  type?: string;
  url?: string;
  url_options?: { method: string; body_type: string; body_content_type: string; data: string };
  root_selector?: string;
  columns?: { selector: string; text: string; type: string }[];
}
interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
}
type Json = { uid: string; title: string; panels: Panel[]; templating: { list: { name: string; type: string; query: unknown; datasource?: { uid: string } }[] } };

const dashboards = DASHBOARDS.map((d) => ({ file: d.file, json: JSON.parse(renderDashboard(d)) as Json }));
const panels = (j: Json) => j.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');

describe('generated dashboards', () => {
  it('are in sync with dashboards/src (run npm run dashboards after changing them)', () => {
    for (const d of DASHBOARDS) {
      const path = join(generated, d.file);
      expect(existsSync(path), `${path} is missing: run npm run dashboards`).toBe(true);
      expect(readFileSync(path, 'utf8'), `${path} is out of date: run npm run dashboards`).toBe(renderDashboard(d));
    }
    expect(readdirSync(generated).filter((f) => f.endsWith('.json')).sort()).toEqual(DASHBOARDS.map((d) => d.file).sort());
  });

  it('have stable uids, unique panel ids and a data source variable for every data source they use', () => {
    expect(dashboards.map((d) => d.json.uid)).toEqual(['crisiscx-pipeline', 'crisiscx-crisis']);
    for (const { json } of dashboards) {
      const ids = panels(json).map((p) => (p as unknown as { id: number }).id);
      expect(new Set(ids).size, `${json.uid}: panel ids`).toBe(ids.length);
      for (const p of panels(json)) {
        expect(p.targets?.length, `${json.uid} / ${p.title} has no query`).toBeGreaterThan(0);
        const uid = p.datasource!.uid;
        expect(uid).toMatch(/^\$\{(prometheus|sql)\}$/);
        expect(json.templating.list.some((v) => v.type === 'datasource' && `\${${v.name}}` === uid), `${json.uid} / ${p.title}: variable ${uid}`).toBe(true);
      }
    }
  });

  it('query only metrics of the catalogue in PromQL', () => {
    const known = new Set<string>(Object.values(METRIC_CATALOGUE).map((m) => m.name));
    const pipeline = dashboards.find((d) => d.json.uid === 'crisiscx-pipeline')!.json;
    const exprs = panels(pipeline).flatMap((p) => p.targets!.map((t) => t.expr!));
    expect(exprs.length).toBeGreaterThan(10);
    for (const e of exprs) {
      for (const name of e.match(/crisiscx_\w+/g) ?? []) expect(known.has(name.replace(/_(bucket|sum|count)$/, '')), `${name} in ${e}`).toBe(true);
    }
    // Every metric a user would look for has a panel.
    for (const m of ['events_in', 'events_stored', 'dead_letters', 'batch_latency', 'consumer_lag', 'open_silences', 'alerts_fired'] as const) {
      expect(exprs.some((e) => e.includes(METRIC_CATALOGUE[m].name)), m).toBe(true);
    }
  });
});

describe('SQL panels on the real SQL API', () => {
  let built: Built;
  let server: RunningServer;
  let script: ScenarioSource['scenario']['script'];

  beforeAll(async () => {
    const config = parsePipelineConfig({ database: join(dir, 'crisis.duckdb'), serve: { enabled: false } });
    built = await buildPipeline(config);
    const source = new ScenarioSource({ seed: 42 });
    script = source.scenario.script;
    await built.pipeline.runSource(source);
    await built.pipeline.flush();
    server = await startServer({ db: built.db, host: '127.0.0.1', port: 0 });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await built?.close();
  });

  /** What Infinity sends: the body with Grafana's variables replaced, to the data source URL + the query path. */
  async function send(t: Target): Promise<{ status: number; body: { columns: { name: string }[]; rows: Record<string, unknown>[]; error?: string } }> {
    expect(t.type).toBe('json');
    expect(t.url).toBe('/api/sql');
    expect(t.url_options).toMatchObject({ method: 'POST', body_type: 'raw', body_content_type: 'application/json' });
    expect(t.root_selector).toBe('rows');
    const data = t.url_options!.data.replaceAll('${brand}', script.brand).replaceAll('${__from}', String(script.start)).replaceAll('${__to}', String(script.end + 3_600_000));
    expect(data, 'a $name in the body that Grafana would replace').not.toMatch(/\$\{/);
    const res = await fetch(`${server.url}${t.url}`, { method: 'POST', headers: { 'content-type': t.url_options!.body_content_type, accept: 'application/json' }, body: data });
    return { status: res.status, body: (await res.json()) as never };
  }

  it('every panel query runs and returns the columns it declares', async () => {
    const crisis = dashboards.find((d) => d.json.uid === 'crisiscx-crisis')!.json;
    const withRows: string[] = [];
    for (const p of panels(crisis)) {
      expect(p.datasource!.type).toBe(INFINITY_TYPE);
      for (const t of p.targets!) {
        const { status, body } = await send(t);
        expect(status, `${p.title}: ${body.error}`).toBe(200);
        const names = body.columns.map((c) => c.name);
        for (const c of t.columns!) expect(names, `${p.title}: column ${c.selector}`).toContain(c.selector);
        if (body.rows.length > 0) withRows.push(p.title);
      }
    }
    // The crisis fills them: every panel but "firing alerts" (the replay's alerts have ended) has rows.
    for (const title of ['Upset inbound messages per minute, by channel', 'Spikes', 'Crisis periods', 'Triage scorecard (latest crisis)', 'Channel guidance (latest crisis)', 'Promises by channel', 'Proactive coverage per incident', 'Silent sufferers not reached', 'Crisis periods in range']) {
      expect(withRows, title).toContain(title);
    }
  });

  it('the brand variable lists the brands, busiest first', async () => {
    const crisis = dashboards.find((d) => d.json.uid === 'crisiscx-crisis')!.json;
    const v = crisis.templating.list.find((x) => x.name === 'brand')!;
    const q = v.query as { queryType: string; infinityQuery: Target };
    expect(q.queryType).toBe('infinity');
    const { status, body } = await send(q.infinityQuery);
    expect(status).toBe(200);
    expect(body.rows.map((r) => r.brand)).toEqual([script.brand, script.controlBrand]);
  });

  it('parameters are bound, not pasted: a quote in the brand is just a brand that has no data', async () => {
    const crisis = dashboards.find((d) => d.json.uid === 'crisiscx-crisis')!.json;
    const t = panels(crisis).find((p) => p.title === 'Crisis periods')!.targets![0]!;
    const data = t.url_options!.data.replaceAll('${brand}', "x' OR '1'='1").replaceAll('${__from}', '0').replaceAll('${__to}', String(script.end));
    const res = await fetch(`${server.url}/api/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: data });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { rows: unknown[] }).rows).toEqual([]);
  });
});

describe('provisioning', () => {
  it('declares the data sources the dashboards expect, by uid', () => {
    const ds = parseYaml(readFileSync(join(root, 'dashboards/provisioning/datasources/crisiscx.yaml'), 'utf8')) as { datasources: { uid: string; type: string; url: string; jsonData?: Record<string, unknown> }[] };
    expect(ds.datasources.map((d) => [d.uid, d.type])).toEqual([
      [PROMETHEUS_UID, 'prometheus'],
      [SQL_UID, INFINITY_TYPE],
    ]);
    const sql = ds.datasources[1]!;
    expect(sql.jsonData?.allowedHosts).toEqual([sql.url]);
  });

  it('loads the generated dashboards from the folder docker-compose.yml mounts', () => {
    const prov = parseYaml(readFileSync(join(root, 'dashboards/provisioning/dashboards/crisiscx.yaml'), 'utf8')) as { providers: { type: string; folderUid: string; options: { path: string } }[] };
    const compose = parseYaml(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { volumes?: string[]; environment?: Record<string, string>; command?: string[] }> };
    const grafana = compose.services.grafana!;
    const mount = (target: string) => grafana.volumes!.find((v) => v.split(':')[1] === target)?.split(':')[0];
    expect(mount(prov.providers[0]!.options.path)).toBe('./dashboards/generated');
    expect(mount('/etc/grafana/provisioning/datasources')).toBe('./dashboards/provisioning/datasources');
    expect(mount('/etc/grafana/provisioning/dashboards')).toBe('./dashboards/provisioning/dashboards');
    expect(grafana.environment!.GF_INSTALL_PLUGINS).toContain(INFINITY_TYPE);
    // The pipeline compose runs is a valid config, serving the compose network with a token.
    const cmd = compose.services.crisiscx!.command!.join(' ');
    // The default of ${CRISISCX_PIPELINE:-...} when it is a variable.
    const arg = /--pipeline (\S+)/.exec(cmd)![1]!;
    const pipeline = /^\$\{\w+:-([^}]+)\}$/.exec(arg)?.[1] ?? arg;
    const cfg = loadPipelineConfig(join(root, pipeline));
    expect(cfg.serve).toMatchObject({ host: '0.0.0.0', token_file: '/run/secrets/crisiscx_token' });
    expect(cfg.serve.allowed_hosts).toContain('crisiscx');
  });
});
