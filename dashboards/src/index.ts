/** @module dashboards — the Grafana dashboards crisiscx ships, built with @grafana/grafana-foundation-sdk. */
export { DASHBOARDS, renderDashboard, type DashboardSpec } from './catalogue.js';
export { crisisDashboard, CRISIS_UID } from './crisis.js';
export { pipelineDashboard, PIPELINE_UID } from './pipeline.js';
export { PROMETHEUS_UID, SQL_UID, INFINITY_TYPE, SqlQueryBuilder, sqlQuery } from './datasources.js';
