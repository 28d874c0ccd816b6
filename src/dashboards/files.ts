/**
 * @module dashboards/files
 * The dashboards crisiscx ships, as generated JSON in dashboards/generated (built from
 * dashboards/src by `npm run dashboards`; Grafana provisioning reads the same files).
 *
 * @example
 * const dashboards = loadDashboards(); // [{ uid: 'crisiscx-pipeline', title: 'crisiscx — pipeline health', ... }, ...]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dashboard } from './grafana.js';

/** dashboards/generated of this installation (works from src/ under tsx and from dist/). */
export function generatedDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dashboards', 'generated');
}

export class DashboardFileError extends Error {
  readonly retriable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DashboardFileError';
  }
}

/** Every *.json dashboard of a folder, in file-name order; each must have a uid and a title. */
export function loadDashboards(dir = generatedDir(), only?: string[]): Dashboard[] {
  if (!existsSync(dir)) throw new DashboardFileError(`no dashboards folder at ${dir}: run npm run dashboards, or pass --dir`);
  const out: Dashboard[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    const path = join(dir, f);
    let d: unknown;
    try {
      d = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new DashboardFileError(`${path} is not JSON: ${(err as Error).message}; regenerate it with npm run dashboards`, { cause: err });
    }
    const o = d as Partial<Dashboard>;
    if (typeof o?.uid !== 'string' || typeof o.title !== 'string') throw new DashboardFileError(`${path} has no uid or title: it is not a dashboard; regenerate it with npm run dashboards`);
    if (only && only.length > 0 && !only.includes(o.uid)) continue;
    out.push(o as Dashboard);
  }
  if (only && only.length > 0) {
    const missing = only.filter((u) => !out.some((d) => d.uid === u));
    if (missing.length) throw new DashboardFileError(`no dashboard with uid ${missing.join(', ')} in ${dir}; crisiscx dashboards list shows the uids`);
  }
  if (out.length === 0) throw new DashboardFileError(`no dashboards in ${dir}: run npm run dashboards`);
  return out;
}
