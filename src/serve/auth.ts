/**
 * @module serve/auth
 * Who may use the HTTP server. On loopback with no token configured the server is open to the
 * local machine only (and checks the Host header, so a web page cannot reach it by DNS
 * rebinding). With a token, every request except health and login needs it, either as
 * `Authorization: Bearer <token>` or as the session cookie the login form sets. Secrets are
 * compared in constant time over their SHA-256 digests, and the token never leaves the process:
 * the cookie carries an expiry signed with it, not the token.
 *
 * @example
 * const access = resolveToken(config.serve);
 * const auth = new Auth({ token: access.token, host: config.serve.host, sessionTtlSecs: 43200 });
 * if (auth.authenticate(req) === undefined) reject401();
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { wallClock, type Clock } from '../contract/clock.js';
import type { ServeConfig } from './config.js';

/** Shortest token accepted: anything shorter can be guessed. */
export const MIN_TOKEN_CHARS = 16;

export class AccessConfigError extends Error {
  readonly retriable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AccessConfigError';
  }
}

/** 127.0.0.0/8, ::1, ::ffff:127.x and `localhost`: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h) || h === '0:0:0:0:0:0:0:1';
  return false;
}

export interface ResolvedToken {
  token?: string;
  /** Where it came from or would come from, for messages ("environment variable CRISISCX_TOKEN"). */
  source: string;
}

/** Reads the access token from the variable named by `token_env`, else from `token_file`. */
export function resolveToken(
  config: Pick<ServeConfig, 'token_env' | 'token_file'>,
  env: NodeJS.ProcessEnv = process.env,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): ResolvedToken {
  const fromEnv = env[config.token_env]?.trim();
  let token: string | undefined;
  let source = `environment variable ${config.token_env}`;
  if (fromEnv) token = fromEnv;
  else if (config.token_file) {
    source = `file ${config.token_file} (serve.token_file)`;
    try {
      token = readFile(config.token_file).trim();
    } catch (err) {
      throw new AccessConfigError(
        `cannot read the access token from ${config.token_file} (serve.token_file): ${(err as Error).message}. ` +
          `Fix the path, or set the environment variable ${config.token_env} instead.`,
        { cause: err },
      );
    }
    if (!token) throw new AccessConfigError(`the access token file ${config.token_file} (serve.token_file) is empty; write a long random secret into it (e.g. openssl rand -hex 32 > ${config.token_file}).`);
  }
  if (token !== undefined && token.length < MIN_TOKEN_CHARS) {
    throw new AccessConfigError(
      `the access token in the ${source} is ${token.length} characters long; use at least ${MIN_TOKEN_CHARS} ` +
        `(e.g. the output of: openssl rand -hex 32).`,
    );
  }
  return token === undefined ? { source } : { token, source };
}

/** Refuses to expose the server beyond this machine without a token. */
export function checkExposure(host: string, token: string | undefined, tokenSource = 'environment variable CRISISCX_TOKEN'): void {
  if (token !== undefined || isLoopbackHost(host)) return;
  throw new AccessConfigError(
    `serve.host is ${JSON.stringify(host)}, which exposes the server beyond this machine, but no access token is set. ` +
      `Put a long random secret in the ${tokenSource} (e.g. export CRISISCX_TOKEN=$(openssl rand -hex 32)), ` +
      `or bind to 127.0.0.1.`,
  );
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Equal strings, compared in time that does not depend on where they differ (or on their lengths). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export type AuthMethod = 'open' | 'bearer' | 'cookie';

export interface AuthOptions {
  token?: string;
  /** The configured bind address: with no token, requests must name a loopback host. */
  host?: string;
  allowedHosts?: readonly string[];
  sessionTtlSecs?: number;
  clock?: Clock;
  /** Failed logins per address per minute before further tries get 429. */
  maxLoginFailuresPerMinute?: number;
}

/** Parses a Cookie header; a malformed pair is skipped. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name && !out.has(name)) out.set(name, value);
  }
  return out;
}

/** The hostname of a Host header value (`[::1]:8080` → `::1`, `example.org:80` → `example.org`). */
export function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

export class Auth {
  readonly token: string | undefined;
  /** The session cookie's name; set per port so two servers on one machine keep their own. */
  cookieName = 'crisiscx_session';
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly hostNames: Set<string>;
  private readonly checkHostHeader: boolean;
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;

  constructor(options: AuthOptions = {}) {
    this.token = options.token;
    this.clock = options.clock ?? wallClock;
    this.ttlMs = (options.sessionTtlSecs ?? 12 * 3600) * 1000;
    this.maxFailures = options.maxLoginFailuresPerMinute ?? 10;
    this.hostNames = new Set(['localhost', '127.0.0.1', '::1', ...(options.allowedHosts ?? []).map((h) => hostnameOf(h))]);
    if (options.host && !['0.0.0.0', '::'].includes(options.host)) this.hostNames.add(hostnameOf(options.host));
    // Without a token the only protection is "local machine only": a page on another site that
    // rebinds its DNS name to 127.0.0.1 would still send its own name in Host, so refuse that.
    this.checkHostHeader = options.token === undefined || (options.allowedHosts?.length ?? 0) > 0;
  }

  get required(): boolean {
    return this.token !== undefined;
  }

  /** Undefined when the Host header is acceptable, else why not. */
  checkHost(req: IncomingMessage): string | undefined {
    if (!this.checkHostHeader) return undefined;
    const header = req.headers.host;
    if (!header) return 'the request has no Host header';
    const name = hostnameOf(header);
    if (this.hostNames.has(name) || name.endsWith('.localhost') || (isIP(name) === 4 && name.startsWith('127.'))) return undefined;
    return (
      `Host ${JSON.stringify(header.slice(0, 100))} is not allowed: this server is open to this machine only. ` +
      `Open it as http://localhost or http://127.0.0.1, or add the name to serve.allowed_hosts (and set an access token).`
    );
  }

  /** How the request proved access, or undefined when it did not. */
  authenticate(req: IncomingMessage): AuthMethod | undefined {
    if (this.token === undefined) return 'open';
    const header = req.headers.authorization;
    if (header) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (m && sameSecret(m[1]!, this.token)) return 'bearer';
    }
    const cookie = parseCookies(req.headers.cookie).get(this.cookieName);
    if (cookie && this.validSession(cookie)) return 'cookie';
    return undefined;
  }

  /** Checks a login form's token. */
  checkToken(candidate: string): boolean {
    return this.token !== undefined && sameSecret(candidate, this.token);
  }

  private sign(expiresAt: number): string {
    return createHmac('sha256', this.token ?? '')
      .update(`crisiscx session v1|${expiresAt}`)
      .digest('base64url');
  }

  /** A new session value: its expiry and the expiry signed with the token. */
  newSession(): { value: string; maxAgeSecs: number } {
    const expiresAt = this.clock.now() + this.ttlMs;
    return { value: `v1.${expiresAt}.${this.sign(expiresAt)}`, maxAgeSecs: Math.floor(this.ttlMs / 1000) };
  }

  validSession(value: string): boolean {
    const m = /^v1\.(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!m) return false;
    const expiresAt = Number(m[1]);
    if (!(expiresAt > this.clock.now())) return false;
    return sameSecret(m[2]!, this.sign(expiresAt));
  }

  /** Set-Cookie value for a fresh session; `secure` when served over HTTPS (behind a proxy). */
  sessionCookie(secure: boolean): string {
    const s = this.newSession();
    return `${this.cookieName}=${s.value}; Path=/; Max-Age=${s.maxAgeSecs}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }

  clearCookie(): string {
    return `${this.cookieName}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`;
  }

  /** False when `addr` failed to log in too often in the last minute. */
  loginAllowed(addr: string): boolean {
    return this.recentFailures(addr).length < this.maxFailures;
  }

  loginFailed(addr: string): void {
    const l = this.recentFailures(addr);
    l.push(this.clock.now());
    this.failures.set(addr, l);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  private recentFailures(addr: string): number[] {
    const since = this.clock.now() - 60_000;
    const l = (this.failures.get(addr) ?? []).filter((t) => t > since);
    if (l.length === 0) this.failures.delete(addr);
    return l;
  }
}
