/**
 * Writes the dashboards' JSON into dashboards/generated/ from the TypeScript in dashboards/src
 * (`npm run dashboards`); `--check` only reports files that are out of date and exits 1 if any is.
 * Grafana provisioning (dashboards/provisioning) and `crisiscx dashboards push` read those files.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DASHBOARDS, renderDashboard } from './src/catalogue.js';

const dir = fileURLToPath(new URL('./generated/', import.meta.url));
const check = process.argv.includes('--check');
mkdirSync(dir, { recursive: true });
let stale = 0;
for (const d of DASHBOARDS) {
  const text = renderDashboard(d);
  let before = '';
  try {
    before = readFileSync(`${dir}${d.file}`, 'utf8');
  } catch {
    /* new file */
  }
  if (before === text) continue;
  stale++;
  if (check) process.stderr.write(`dashboards/generated/${d.file} is out of date: run npm run dashboards\n`);
  else {
    writeFileSync(`${dir}${d.file}`, text);
    process.stdout.write(`wrote dashboards/generated/${d.file}\n`);
  }
}
const known = new Set(DASHBOARDS.map((d) => d.file));
for (const f of readdirSync(dir)) {
  if (f.endsWith('.json') && !known.has(f)) process.stderr.write(`dashboards/generated/${f} is not built by any dashboard in dashboards/src: delete it\n`);
}
if (check && stale > 0) process.exitCode = 1;
else if (stale === 0) process.stdout.write('dashboards up to date\n');
