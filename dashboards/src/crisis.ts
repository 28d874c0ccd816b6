/**
 * @module dashboards/crisis
 * "crisiscx — crisis overview": the analysts' views (sql/views) of one brand, read through
 * crisiscx's SQL API: upset volume and spikes, crisis periods, triage, channel guidance, promises,
 * silent sufferers and firing alerts. Each panel's description names its view.
 *
 * @example
 * const json = crisisDashboard().build();
 */
import {
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type DataTransformerConfig,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { BigValueGraphMode, LegendDisplayMode, LegendPlacement, ReduceDataOptionsBuilder, VizLegendOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { CHANNEL_COLORS } from '../../src/serve/live/page/format.js';
import { BRAND_PARAM, FROM, INFINITY_TYPE, RANGE_PARAMS, SQL, sqlQuery, TO, type SqlColumn } from './datasources.js';

export const CRISIS_UID = 'crisiscx-crisis';

const BRAND_RANGE = { ...BRAND_PARAM, ...RANGE_PARAMS };
/** The brand's latest crisis period (the one triage and guidance describe). */
const LATEST_PERIOD = '(SELECT period_id FROM crisis_periods WHERE brand = $q_brand ORDER BY started_at DESC LIMIT 1)';

const steps = (...s: [number | null, string][]) => new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(s.map(([value, color]) => ({ value: value as number, color })));
const cols = (spec: string): SqlColumn[] =>
  spec.split(',').map((c) => {
    const [selector, type] = c.trim().split(':') as [string, SqlColumn['type'] | undefined];
    return { selector, type: type ?? 'string' };
  });

let nextId = 1;

function stat(title: string, description: string, sql: string, column: string, unit: string, thresholds: [number | null, string][], params: Record<string, string> = BRAND_PARAM) {
  return new StatPanel()
    .id(nextId++)
    .title(title)
    .description(description)
    .datasource(SQL)
    .withTarget(sqlQuery(sql, { params, columns: [{ selector: column, type: 'number' }] }))
    .unit(unit)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .graphMode(BigValueGraphMode.None)
    .thresholds(steps(...thresholds))
    .noValue('0')
    .height(4)
    .span(4);
}

function table(title: string, description: string, sql: string, columns: string, params: Record<string, string>, span = 12, height = 8) {
  return new TablePanel()
    .id(nextId++)
    .title(title)
    .description(description)
    .datasource(SQL)
    .withTarget(sqlQuery(sql, { params, columns: cols(columns), maxRows: 500 }))
    .height(height)
    .span(span);
}

export function crisisDashboard(): DashboardBuilder {
  nextId = 1;
  const byChannel: DataTransformerConfig = { id: 'partitionByValues', options: { fields: ['channel'], keepFields: false, naming: { asLabels: false } } };
  const volume = new TimeseriesPanel()
    .id(nextId++)
    .title('Upset inbound messages per minute, by channel')
    .description('View upset_volume: inbound messages scored upset per brand, channel and minute (event time).')
    .datasource(SQL)
    .withTarget(
      sqlQuery(`SELECT minute AS time, channel, upset FROM upset_volume WHERE brand = $q_brand AND minute >= ${FROM} AND minute <= ${TO} ORDER BY minute`, {
        params: BRAND_RANGE,
        columns: cols('time:timestamp, channel, upset:number'),
        maxRows: 50_000,
      }),
    )
    .withTransformation(byChannel)
    .unit('short')
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom))
    .lineWidth(1)
    .fillOpacity(8)
    .height(9)
    .span(16);
  for (const [channel, color] of Object.entries(CHANNEL_COLORS)) {
    volume.overrideByName(channel, [{ id: 'color', value: { mode: 'fixed', fixedColor: color } }]);
  }

  return new DashboardBuilder('crisiscx — crisis overview')
    .uid(CRISIS_UID)
    .description("One brand's crisis from the analysts' views (sql/views), read through crisiscx's SQL API. Every panel names its view (docs/dashboards.md).")
    .tags(['crisiscx', 'crisis'])
    .refresh('1m')
    .time({ from: 'now-12h', to: 'now' })
    .timezone('utc')
    .tooltip(DashboardCursorSync.Crosshair)
    .withVariable(new DatasourceVariableBuilder('sql').label('crisiscx SQL').type(INFINITY_TYPE))
    .withVariable(
      new QueryVariableBuilder('brand')
        .label('Brand')
        .datasource(SQL)
        .query({
          queryType: 'infinity',
          refId: 'variable',
          infinityQuery: sqlQuery('SELECT brand FROM upset_volume GROUP BY brand ORDER BY sum(inbound) DESC', { refId: 'variable', columns: cols('brand') }).build(),
        })
        .refresh(VariableRefresh.OnDashboardLoad)
        .sort(VariableSort.Disabled),
    )
    .withRow(new RowBuilder('Now'))
    .withPanel(
      stat(
        'Crisis periods in range',
        'View crisis_periods: spikes and declared incidents, merged when closer than crisis_merge_gap_secs.',
        `SELECT count(*) AS periods FROM crisis_periods WHERE brand = $q_brand AND started_at <= ${TO} AND coalesce(ended_at, 'infinity'::TIMESTAMPTZ) >= ${FROM}`,
        'periods',
        'short',
        [[null, 'green'], [1, 'red']],
        BRAND_RANGE,
      ),
    )
    .withPanel(
      stat(
        'Silent sufferers not reached',
        'View proactive_coverage (silent_unreached): affected customers who never wrote in and were not contacted. The list is view silent_sufferers.',
        'SELECT sum(silent_unreached) AS not_reached FROM proactive_coverage WHERE brand = $q_brand',
        'not_reached',
        'short',
        [[null, 'green'], [1, 'orange'], [100, 'red']],
      ),
    )
    .withPanel(stat('Firing alerts', 'View alerts_firing.', 'SELECT count(*) AS firing FROM alerts_firing WHERE brand = $q_brand', 'firing', 'short', [[null, 'green'], [1, 'red']]))
    .withPanel(
      stat(
        'Promise keep rate',
        'View promise_scorecard (brand row): kept / (kept + late + broken).',
        'SELECT keep_rate FROM promise_scorecard WHERE brand = $q_brand AND agent_id IS NULL AND channel IS NULL',
        'keep_rate',
        'percentunit',
        [[null, 'red'], [0.7, 'orange'], [0.9, 'green']],
      ),
    )
    .withPanel(
      stat(
        'Bleeding-first score (latest crisis)',
        'View triage_scorecard: 100 means every more severe waiting case was answered before any less severe case opened after it.',
        `SELECT max(bleeding_first_score) AS score FROM triage_scorecard WHERE brand = $q_brand AND period_id = ${LATEST_PERIOD}`,
        'score',
        'short',
        [[null, 'red'], [60, 'orange'], [85, 'green']],
      ),
    )
    .withPanel(
      stat(
        'Open promises due in 2 h',
        'View promise_outcomes: open promises whose due time is within two hours of the newest data.',
        "SELECT count(*) AS due FROM promise_outcomes, data_as_of WHERE brand = $q_brand AND outcome = 'open' AND due_at <= as_of + INTERVAL 2 HOUR",
        'due',
        'short',
        [[null, 'green'], [1, 'orange']],
      ),
    )
    .withRow(new RowBuilder('Upset volume and spikes'))
    .withPanel(volume)
    .withPanel(
      table(
        'Spikes',
        "View spikes: spikes of upset volume per channel ('*' is the brand over all channels).",
        `SELECT channel, started_at, peak_at, ended_at, peak_upset, baseline, magnitude FROM spikes WHERE brand = $q_brand AND started_at <= ${TO} AND coalesce(ended_at, 'infinity'::TIMESTAMPTZ) >= ${FROM} ORDER BY started_at DESC`,
        'channel, started_at:timestamp, peak_at:timestamp, ended_at:timestamp, peak_upset:number, baseline:number, magnitude:number',
        BRAND_RANGE,
        8,
        9,
      ),
    )
    .withRow(new RowBuilder('Crisis periods, triage and channels'))
    .withPanel(
      table(
        'Crisis periods',
        'View crisis_periods.',
        `SELECT period_id, started_at, ended_at, trigger, duration_seconds, inbound, upset, upset_share, peak_upset_per_minute FROM crisis_periods WHERE brand = $q_brand AND started_at <= ${TO} AND coalesce(ended_at, 'infinity'::TIMESTAMPTZ) >= ${FROM} ORDER BY started_at DESC`,
        'period_id, started_at:timestamp, ended_at:timestamp, trigger, duration_seconds:number, inbound:number, upset:number, upset_share:number, peak_upset_per_minute:number',
        BRAND_RANGE,
        24,
        6,
      ),
    )
    .withPanel(
      table(
        'Triage scorecard (latest crisis)',
        'View triage_scorecard: first response by severity against target (table triage_targets), inversions.',
        `SELECT severity, conversations, answered, median_first_response_seconds, p90_first_response_seconds, within_target_share, breaches, inversions, bleeding_first_score FROM triage_scorecard WHERE brand = $q_brand AND period_id = ${LATEST_PERIOD} ORDER BY severity_rank DESC`,
        'severity, conversations:number, answered:number, median_first_response_seconds:number, p90_first_response_seconds:number, within_target_share:number, breaches:number, inversions:number, bleeding_first_score:number',
        BRAND_PARAM,
      ),
    )
    .withPanel(
      table(
        'Channel guidance (latest crisis)',
        'View channel_guidance: which channel served customers fastest during the crisis (speed_rank 1 = fastest median first reply).',
        `SELECT channel, speed_rank, conversations, answered_share, median_first_response_seconds, p90_first_response_seconds, resolution_rate, upset_share FROM channel_guidance WHERE brand = $q_brand AND period_id = ${LATEST_PERIOD} ORDER BY speed_rank`,
        'channel, speed_rank:number, conversations:number, answered_share:number, median_first_response_seconds:number, p90_first_response_seconds:number, resolution_rate:number, upset_share:number',
        BRAND_PARAM,
      ),
    )
    .withRow(new RowBuilder('Promises, outreach and alerts'))
    .withPanel(
      table(
        'Promises by channel',
        'View promise_scorecard (channel rows).',
        'SELECT channel, made, kept, late, broken, open, keep_rate, median_margin_seconds FROM promise_scorecard WHERE brand = $q_brand AND agent_id IS NULL AND channel IS NOT NULL ORDER BY made DESC',
        'channel, made:number, kept:number, late:number, broken:number, open:number, keep_rate:number, median_margin_seconds:number',
        BRAND_PARAM,
        8,
      ),
    )
    .withPanel(
      table(
        'Proactive coverage per incident',
        'View proactive_coverage: affected customers, who wrote in, who stayed silent and whether the brand reached them first.',
        'SELECT incident_id, affected, wrote_in, silent, reached_first, silent_unreached, proactive_coverage FROM proactive_coverage WHERE brand = $q_brand ORDER BY affected DESC',
        'incident_id, affected:number, wrote_in:number, silent:number, reached_first:number, silent_unreached:number, proactive_coverage:number',
        BRAND_PARAM,
        8,
      ),
    )
    .withPanel(
      table(
        'Firing alerts',
        'View alerts_firing, worst first.',
        'SELECT severity, rule, summary, fired_at, link FROM alerts_firing WHERE brand = $q_brand',
        'severity, rule, summary, fired_at:timestamp, link',
        BRAND_PARAM,
        8,
      ),
    );
}
