/**
 * @module dashboards/pipeline
 * "crisiscx — pipeline health": the pipeline's own metrics from Prometheus (names from the metric
 * catalogue in src/telemetry/metrics.ts): what comes in and is stored, dead letters by step, batch
 * latency, Kafka consumer lag, open silences and alerts fired.
 *
 * @example
 * const json = pipelineDashboard().build();
 */
import { DashboardBuilder, DashboardCursorSync, DatasourceVariableBuilder, QueryVariableBuilder, RowBuilder, ThresholdsConfigBuilder, ThresholdsMode, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import { BigValueGraphMode, LegendDisplayMode, LegendPlacement, ReduceDataOptionsBuilder, VizLegendOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { METRIC_CATALOGUE as M } from '../../src/telemetry/metrics.js';
import { PROMETHEUS } from './datasources.js';

export const PIPELINE_UID = 'crisiscx-pipeline';

const sel = '{job=~"$job"}';
const q = (expr: string, legend: string, refId = 'A') => new DataqueryBuilder().datasource(PROMETHEUS).expr(expr).legendFormat(legend).refId(refId).range();
const instant = (expr: string) => new DataqueryBuilder().datasource(PROMETHEUS).expr(expr).refId('A').instant();
const legend = () => new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom);
const last = () => new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false);
const steps = (...s: [number | null, string][]) => new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(s.map(([value, color]) => ({ value: value as number, color })));

let nextId = 1;
function stat(title: string, description: string, expr: string, unit: string, thresholds: [number | null, string][]) {
  return new StatPanel()
    .id(nextId++)
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .withTarget(instant(expr))
    .unit(unit)
    .reduceOptions(last())
    .graphMode(BigValueGraphMode.None)
    .thresholds(steps(...thresholds))
    .height(4)
    .span(4);
}

function series(title: string, description: string, targets: DataqueryBuilder[], unit: string, span = 12) {
  const p = new TimeseriesPanel().id(nextId++).title(title).description(description).datasource(PROMETHEUS).unit(unit).legend(legend()).lineWidth(1).fillOpacity(10).height(8).span(span);
  for (const t of targets) p.withTarget(t);
  return p;
}

export function pipelineDashboard(): DashboardBuilder {
  nextId = 1;
  return new DashboardBuilder('crisiscx — pipeline health')
    .uid(PIPELINE_UID)
    .description('The crisiscx pipeline itself: input, storage, dead letters, latency, consumer lag, open silences, alerts. Metrics from crisiscx /metrics (docs/dashboards.md).')
    .tags(['crisiscx', 'pipeline'])
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('utc')
    .tooltip(DashboardCursorSync.Crosshair)
    .withVariable(new DatasourceVariableBuilder('prometheus').label('Prometheus').type('prometheus'))
    .withVariable(
      new QueryVariableBuilder('job')
        .label('Job')
        .datasource(PROMETHEUS)
        .query(`label_values(${M.events_in.name}, job)`)
        .definition(`label_values(${M.events_in.name}, job)`)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .allValue('.*'),
    )
    .withRow(new RowBuilder('Now'))
    .withPanel(stat('Events stored / min', M.events_stored.help, `sum(rate(${M.events_stored.name}${sel}[5m])) * 60`, 'short', [[null, 'blue']]))
    .withPanel(stat('Dead letters (1 h)', M.dead_letters.help, `sum(increase(${M.dead_letters.name}${sel}[1h])) or vector(0)`, 'short', [[null, 'green'], [1, 'orange'], [100, 'red']]))
    .withPanel(stat('Batch latency p95', M.batch_latency.help, `histogram_quantile(0.95, sum by (le) (rate(${M.batch_latency.name}_bucket${sel}[5m])))`, 's', [[null, 'green'], [1, 'orange'], [5, 'red']]))
    .withPanel(stat('Consumer lag', M.consumer_lag.help, `sum(${M.consumer_lag.name}${sel}) or vector(0)`, 'short', [[null, 'green'], [1000, 'orange'], [100000, 'red']]))
    .withPanel(stat('Open silences', M.open_silences.help, `sum(${M.open_silences.name}${sel}) or vector(0)`, 'short', [[null, 'green'], [1, 'orange'], [20, 'red']]))
    .withPanel(stat('Alerts fired (1 h)', M.alerts_fired.help, `sum(increase(${M.alerts_fired.name}${sel}[1h])) or vector(0)`, 'short', [[null, 'green'], [1, 'orange']]))
    .withRow(new RowBuilder('Flow'))
    .withPanel(series('Records read per source', M.events_in.help, [q(`sum by (source) (rate(${M.events_in.name}${sel}[$__rate_interval]))`, '{{source}}')], 'reqps'))
    .withPanel(series('Events stored per type', M.events_stored.help, [q(`sum by (type) (rate(${M.events_stored.name}${sel}[$__rate_interval]))`, '{{type}}')], 'reqps'))
    .withPanel(
      series(
        'Dead letters and duplicates',
        `${M.dead_letters.help} ${M.duplicates.help}`,
        [q(`sum by (stage) (rate(${M.dead_letters.name}${sel}[$__rate_interval]))`, 'dead letter: {{stage}}'), q(`sum(rate(${M.duplicates.name}${sel}[$__rate_interval]))`, 'duplicates', 'B')],
        'reqps',
      ),
    )
    .withPanel(
      series(
        'Batch latency',
        M.batch_latency.help,
        [0.5, 0.95, 0.99].map((p, i) => q(`histogram_quantile(${p}, sum by (le) (rate(${M.batch_latency.name}_bucket${sel}[$__rate_interval])))`, `p${Math.round(p * 100)}`, 'ABC'[i])),
        's',
      ),
    )
    .withRow(new RowBuilder('Backlog and findings'))
    .withPanel(series('Kafka consumer lag', M.consumer_lag.help, [q(`sum by (topic, partition) (${M.consumer_lag.name}${sel})`, '{{topic}}[{{partition}}]')], 'short', 8))
    .withPanel(series('Event-time lag', M.event_time_lag.help, [q(`max(${M.event_time_lag.name}${sel})`, 'lag')], 's', 8))
    .withPanel(series('Open silences', M.open_silences.help, [q(`sum by (brand, kind) (${M.open_silences.name}${sel})`, '{{brand}} {{kind}}')], 'short', 8))
    .withPanel(series('Alerts fired per rule', M.alerts_fired.help, [q(`sum by (rule) (increase(${M.alerts_fired.name}${sel}[$__rate_interval]))`, '{{rule}}')], 'short'))
    .withPanel(series('Detections', M.detections.help, [q(`sum by (kind, state) (increase(${M.detections.name}${sel}[$__rate_interval]))`, '{{kind}} {{state}}')], 'short'));
}
