/**
 * @module dashboards/catalogue
 * Every dashboard crisiscx ships, the file its JSON is generated into (dashboards/generated), and
 * the JSON text itself (stable: 2-space indent, trailing newline), so the committed files can be
 * checked against the code.
 *
 * @example
 * for (const d of DASHBOARDS) writeFileSync(`dashboards/generated/${d.file}`, renderDashboard(d));
 */
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { crisisDashboard } from './crisis.js';
import { pipelineDashboard } from './pipeline.js';

export interface DashboardSpec {
  file: string;
  build: () => DashboardBuilder;
}

export const DASHBOARDS: DashboardSpec[] = [
  { file: 'crisiscx-pipeline.json', build: pipelineDashboard },
  { file: 'crisiscx-crisis.json', build: crisisDashboard },
];

export function renderDashboard(d: DashboardSpec): string {
  return `${JSON.stringify(d.build().build(), null, 2)}\n`;
}
