/**
 * @module alert/sinks/http
 * One JSON POST with a timeout, its failure classified: 5xx, 408, 429 (with Retry-After),
 * timeouts and network errors are retriable; other 4xx are not (a wrong URL or token does not fix
 * itself), and the error says what the server answered.
 */
import { SinkError } from '../errors.js';

export interface PostOptions {
  sink: string;
  headers?: Record<string, string>;
  timeoutMs: number;
}

/** Retry-After as seconds or an HTTP date, in ms. */
export function parseRetryAfter(v: string | null, now = Date.now()): number | undefined {
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** Hides credentials in a URL for error messages (Slack webhook URLs are secrets). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname.length > 12 ? `${u.pathname.slice(0, 12)}…` : u.pathname;
    return `${u.protocol}//${u.host}${path}`;
  } catch {
    return '(invalid url)';
  }
}

export async function postJson(url: string, body: unknown, o: PostOptions): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'crisiscx-alerts', ...o.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(o.timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why =
      e.name === 'TimeoutError' || e.name === 'AbortError'
        ? `no answer within ${o.timeoutMs} ms`
        : `${e.cause?.code ?? e.cause?.message ?? e.message}`;
    throw new SinkError(o.sink, `${o.sink}: POST ${redactUrl(url)} failed: ${why}`, { cause: err, retriable: true });
  }
  const text = await res.text().catch(() => '');
  if (res.ok) return text;
  const snippet = text.replace(/\s+/g, ' ').slice(0, 200);
  const retriable = res.status >= 500 || res.status === 429 || res.status === 408;
  const hint = retriable ? '' : res.status === 401 || res.status === 403 ? '; check the credentials (headers_from_env)' : '; check the URL and the payload format';
  throw new SinkError(o.sink, `${o.sink}: POST ${redactUrl(url)} answered ${res.status}${snippet ? ` "${snippet}"` : ''}${hint}`, {
    retriable,
    status: res.status,
    retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
  });
}
