/**
 * @module cli/commands/dashboards
 * `crisiscx dashboards list` and `crisiscx dashboards push --url URL [--token T]`: creates or
 * updates crisiscx's Grafana dashboards (dashboards/generated) in a folder through Grafana's HTTP
 * API. The token comes from --token or, better (kept out of shell history), GRAFANA_TOKEN.
 */
import { type Command } from 'commander';
import { loadDashboards } from '../../dashboards/files.js';
import { GrafanaClient, pushDashboards } from '../../dashboards/grafana.js';

interface PushCliOptions {
  url: string;
  token?: string;
  tokenEnv: string;
  folderUid: string;
  folderTitle: string;
  overwrite: boolean;
  message?: string;
  dir?: string;
  only?: string[];
  timeoutSecs: number;
}

export function register(program: Command): void {
  const cmd = program.command('dashboards').description("crisiscx's Grafana dashboards (dashboards/generated): list them, or push them to a Grafana");

  cmd
    .command('list')
    .description('list the dashboards crisiscx ships')
    .option('--dir <folder>', 'dashboards folder (default: the installed dashboards/generated)')
    .action((opts: { dir?: string }) => {
      for (const d of loadDashboards(opts.dir)) process.stdout.write(`${d.uid}\t${d.title}\n`);
    });

  cmd
    .command('push')
    .description("create or update the dashboards in a Grafana folder through Grafana's HTTP API")
    .requiredOption('--url <url>', "Grafana's address, e.g. http://localhost:3000")
    .option('--token <token>', 'a Grafana service account token (prefer the environment variable, see --token-env)')
    .option('--token-env <name>', 'environment variable holding the token', 'GRAFANA_TOKEN')
    .option('--folder-uid <uid>', 'uid of the folder to put them in (created if missing)', 'crisiscx')
    .option('--folder-title <title>', 'title of the folder when it is created', 'crisiscx')
    .option('--overwrite', "replace the dashboards whatever their version in Grafana (drops changes made there)", false)
    .option('--message <text>', 'version message Grafana keeps with the change', 'pushed by crisiscx dashboards push')
    .option('--dir <folder>', 'dashboards folder (default: the installed dashboards/generated)')
    .option('--only <uids...>', 'push only these dashboards (uids, see crisiscx dashboards list)')
    .option('--timeout-secs <n>', 'per request', (v) => Number(v), 15)
    .action(async (opts: PushCliOptions) => {
      const token = opts.token ?? process.env[opts.tokenEnv] ?? '';
      if (!token) throw new Error(`no Grafana token: set ${opts.tokenEnv} to a service account token (role Editor), or pass --token`);
      const dashboards = loadDashboards(opts.dir, opts.only);
      const client = new GrafanaClient({ url: opts.url, token, timeoutMs: opts.timeoutSecs * 1000 });
      const results = await pushDashboards(
        client,
        dashboards,
        { folderUid: opts.folderUid, folderTitle: opts.folderTitle, overwrite: opts.overwrite, message: opts.message },
        (line) => process.stderr.write(`crisiscx: ${line}\n`),
      );
      const counts = { created: 0, updated: 0, unchanged: 0 };
      for (const r of results) counts[r.action]++;
      process.stderr.write(`crisiscx: ${results.length} dashboards pushed to ${client.base}: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged\n`);
    });
}
