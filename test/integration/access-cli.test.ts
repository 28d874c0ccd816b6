/**
 * Access control on the real `crisiscx demo` process, end to end: it refuses to expose itself
 * without a token, prints where to open it (never the token), answers 401 without the token and
 * serves the SQL API read-only while the pipeline writes; a real Chromium signs in through the
 * login form under the server's Content-Security-Policy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
const dir = tempDir('crisiscx-access-cli-');
const TOKEN = 'integration-token-5b2e9c1d7a4f8e3b';

describe('crisiscx demo beyond loopback', () => {
  it('refuses to start without a token, before touching the database', async () => {
    const db = join(dir, 'refused.duckdb');
    const env: Record<string, string> = { CRISISCX_TOKEN: '' };
    const r = await cli(['demo', '--host', '0.0.0.0', '--port', '0', '--speed', '0', '--db', db], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/serve\.host is "0\.0\.0\.0", which exposes the server beyond this machine, but no access token is set\. Put a long random secret in the environment variable CRISISCX_TOKEN/);
    expect(existsSync(db)).toBe(false);
  });

  describe('with a token', () => {
    let child: ChildProcess;
    let stderr = '';
    let base = '';
    let browser: Browser | undefined;

    beforeAll(async () => {
      child = spawn(process.execPath, [tsx, join(root, 'src/cli/main.ts'), 'demo', '--host', '0.0.0.0', '--port', '0', '--speed', '0', '--db', join(dir, 'demo.duckdb')], {
        cwd: root,
        env: { ...process.env, CRISISCX_TOKEN: TOKEN },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.resume();
      const port = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "serving" line in 60 s:\n${stderr}`)), 60_000);
        child.stderr!.on('data', (d: Buffer) => {
          stderr += d.toString();
          const m = /serving http:\/\/0\.0\.0\.0:(\d+)/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once('exit', (code) => reject(new Error(`demo exited with ${code}:\n${stderr}`)));
      });
      base = `http://127.0.0.1:${port}`;
    });

    afterAll(async () => {
      await browser?.close();
      if (child && child.exitCode === null) {
        child.kill('SIGINT');
        await new Promise((r) => child.once('exit', r));
      }
    });

    it('says where to open it and how to get in, without printing the token', () => {
      expect(stderr).toMatch(/serving http:\/\/0\.0\.0\.0:\d+, open http:\/\/[^ ]+:\d+ — access needs the token from the environment variable CRISISCX_TOKEN \(sign in at \/login, or send "Authorization: Bearer <token>"\)/);
      expect(stderr).not.toContain(TOKEN);
    });

    it('answers 401 without the token, on pages, APIs and the SQL API alike', async () => {
      for (const path of ['/', '/api/counts', '/metrics']) expect((await fetch(`${base}${path}`)).status, path).toBe(401);
      const sql = await fetch(`${base}/api/sql`, { method: 'POST', body: JSON.stringify({ sql: 'SELECT 1' }) });
      expect(sql.status).toBe(401);
      expect((await fetch(`${base}/api/health`)).status).toBe(200);
    });

    it('serves read-only SQL to a bearer token while the pipeline writes, and refuses the rest', async () => {
      const post = (sql: string) =>
        fetch(`${base}/api/sql`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ sql }) });
      // Read until the demo's first commits show (on a busy machine they may come seconds after it
      // serves); a read that is not answered ends the wait and fails below.
      const failed: string[] = [];
      const stored = await waitFor(
        async () => {
          const r = await post('SELECT count(*) AS n FROM events');
          if (r.status !== 200) return failed.push(`${r.status} ${await r.text()}`) && -1;
          const n = ((await r.json()) as { rows: { n: number }[] }).rows[0]!.n;
          return n > 0 ? n : undefined;
        },
        'the SQL API to see the events the demo stores',
        60_000,
        300,
      );
      expect(failed).toEqual([]);
      expect(stored).toBeGreaterThan(0);
      for (const sql of [`COPY events TO '${join(dir, 'stolen.csv')}'`, "SELECT * FROM read_csv('/etc/passwd')", `ATTACH '${join(dir, 'x.duckdb')}' AS x`, 'DELETE FROM events', 'INSTALL httpfs']) {
        const r = await post(sql);
        expect(r.status, sql).toBe(403);
        expect(((await r.json()) as { error: string }).error, sql).toMatch(/^refused: /);
      }
      expect(existsSync(join(dir, 'stolen.csv'))).toBe(false);
    });

    it('lets a browser sign in through the login form under the CSP, with an HttpOnly cookie', async () => {
      browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
      });
      const first = await page.goto(`${base}/api/counts`);
      expect(first?.status()).toBe(401);
      await page.fill('input[name=token]', 'not-the-token-not-the-token');
      await page.click('button[type=submit]');
      expect(await page.locator('[role=alert]').textContent()).toBe('That token is not right.');
      await page.fill('input[name=token]', TOKEN);
      const [response] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      expect(new URL(page.url()).pathname).toBe('/api/counts');
      expect(response?.status()).toBe(200);
      const cookies = await page.context().cookies();
      expect(cookies).toHaveLength(1);
      expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      expect(cookies[0]!.value).not.toContain(TOKEN);
      expect(await page.evaluate(() => document.cookie)).toBe('');
      expect(violations).toEqual([]);
    });
  });
});
