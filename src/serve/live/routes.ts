/**
 * @module serve/live/routes
 * The live page's routes on the crisiscx server: the page (`GET /`), its script, the event stream
 * (`GET /live/events`), the same snapshot as JSON (`GET /api/live/snapshot`) and the crisis report
 * of any brand and range (`GET /report`, `&download=1` to save it).
 *
 * @example
 * const server = await startServer({ db, routes: liveRoutes(liveHubFor(db)) });
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { HttpError, sendJson, type Handler } from '../server.js';
import { loadReport } from '../report/data.js';
import { renderReport } from '../report/render.js';
import type { LiveHub } from './hub.js';
import { livePageHtml } from './page.js';
import { APP_JS } from './page/bundle.generated.js';
import { parseRange, RangeRequestError, type RangeRequest } from './range.js';
import { ViewReader } from './reader.js';

const APP_ETAG = `"${createHash('sha1').update(APP_JS).digest('base64url')}"`;

function range(url: URL): RangeRequest {
  try {
    return parseRange(url.searchParams);
  } catch (err) {
    if (err instanceof RangeRequestError) throw new HttpError(400, err.message);
    throw err;
  }
}

/** Turns a bad period id found while loading into a 400. */
async function orBadRequest<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RangeRequestError) throw new HttpError(400, err.message);
    throw err;
  }
}

function sendPage(res: ServerResponse, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(html);
}

export interface LiveRoutesOptions {
  /** The database file, named in reports. */
  database?: string;
  brandSilenceThresholdSecs?: number;
}

export function liveRoutes(hub: LiveHub, options: LiveRoutesOptions = {}): Record<string, Handler> {
  return {
    'GET /': ({ res }) => sendPage(res, livePageHtml()),
    'GET /live/app.js': ({ req, res }) => {
      if (req.headers['if-none-match'] === APP_ETAG) {
        res.writeHead(304, { etag: APP_ETAG });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache', etag: APP_ETAG });
      res.end(APP_JS);
    },
    'GET /live/events': async ({ res, url }) => {
      const r = range(url);
      await orBadRequest(() => hub.attach(res, r));
    },
    'GET /api/live/snapshot': async ({ res, url }) => {
      const r = range(url);
      sendJson(res, 200, await orBadRequest(() => hub.snapshot(r)));
    },
    'GET /report': async ({ db, res, url }) => {
      const r = range(url);
      const reader = await ViewReader.open(db);
      try {
        const data = await orBadRequest(() =>
          reader.consistent((x) => loadReport(x, r, { database: options.database ?? db.path, brandSilenceThresholdSecs: options.brandSilenceThresholdSecs })),
        );
        const name = `crisiscx-report-${(data.snapshot.brand ?? 'none').replace(/[^A-Za-z0-9_-]+/g, '_')}-${new Date(data.from ?? data.generatedAt).toISOString().slice(0, 16).replace(/[:]/g, '')}.html`;
        sendPage(res, renderReport(data), url.searchParams.get('download') === '1' ? { 'content-disposition': `attachment; filename="${name}"` } : {});
      } finally {
        reader.close();
      }
    },
  };
}
