/**
 * Who may read the dashboard. It binds 127.0.0.1 unless told otherwise; any other address needs a
 * token, which every request must then carry: `?token=` on the first page load (answered with a
 * cookie and a redirect to the same page without it), the cookie after that, or an
 * `Authorization: Bearer` header for scripts. Bound to a loopback address, it also refuses requests
 * whose Host is not a loopback name, so that a web page that rebinds its own domain to 127.0.0.1
 * cannot read it.
 */
import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { InputError } from '../errors.js';

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/** InputError for a non-loopback --host without --token, or a token that cannot travel in a URL. */
export function checkBinding(host: string, token: string | undefined): void {
  if (token !== undefined && !/^[A-Za-z0-9._~-]{8,}$/.test(token)) {
    throw new InputError({ file: '--token', path: '', message: 'must be at least 8 characters of A-Z, a-z, 0-9, ".", "_", "~" or "-"', hint: 'e.g. --token "$(openssl rand -hex 16)"' });
  }
  if (!isLoopback(host) && token === undefined) {
    throw new InputError({ file: '--host', path: '', message: `${host} is not a loopback address: anyone who can reach it could read your sweeps`, hint: 'add --token with a secret, or leave --host out to bind 127.0.0.1' });
  }
}

export function cookieName(port: number): string {
  return `convsweep_token_${port}`;
}

function sameSecret(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export type AccessVerdict = 'allow' | 'set-cookie' | 'no-token' | 'bad-host';

export interface AccessRequest {
  host: string | undefined;
  cookie: string | undefined;
  authorization: string | undefined;
  queryToken: string | undefined;
}

export function judgeAccess(request: AccessRequest, rules: { bindHost: string; port: number; token: string | undefined }): AccessVerdict {
  if (isLoopback(rules.bindHost) && rules.token === undefined) {
    const hostname = (request.host ?? '').replace(/:\d+$/, '');
    if (!isLoopback(hostname)) return 'bad-host';
  }
  if (rules.token === undefined) return 'allow';
  const bearer = /^Bearer (.+)$/.exec(request.authorization ?? '')?.[1];
  if (sameSecret(bearer, rules.token) || sameSecret(cookieValue(request.cookie, cookieName(rules.port)), rules.token)) return 'allow';
  if (sameSecret(request.queryToken, rules.token)) return 'set-cookie';
  return 'no-token';
}
