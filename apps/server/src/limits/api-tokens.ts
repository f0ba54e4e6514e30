import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ProtocolError } from '@chemveil/core';

/**
 * Optional API tokens (CHEMVEIL_TOKENS=<file>), for deployments that want accounts: every /v1 request then needs
 * `Authorization: Bearer <token>`, and the per-client limits (sessions, key memory, molecules per day, request
 * rate after the per-address one) key on the token's account instead of the address, so clients behind one proxy
 * or NAT are told apart and one account cannot spread over many addresses.
 *
 * The file holds SHA-256 hashes, never tokens (a leaked file opens nothing): one `sha256:<64 hex> <account>` per
 * line, `#` comments. `chemveil token <account>` mints a token and prints its line.
 */
export interface ApiTokens {
  /** Accounts by token hash (hex). */
  readonly accounts: ReadonlyMap<string, string>;
}

const LINE = /^sha256:([0-9a-f]{64})\s+([A-Za-z0-9._@-]{1,64})$/;
const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{16,256})$/;

export class TokenFileError extends Error {
  override name = 'TokenFileError';
}

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** A new token (256 random bits) and the line that admits it. */
export function mintToken(account: string): { token: string; line: string } {
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(account)) throw new TokenFileError(`account names are 1–64 of A–Z a–z 0–9 . _ @ -, got "${account}"`); // prettier-ignore
  const token = `cv_${randomBytes(32).toString('base64url')}`;
  return { token, line: `sha256:${hashToken(token)} ${account}` };
}

export function parseTokenFile(text: string, source = 'the token file'): ApiTokens {
  const accounts = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = LINE.exec(line);
    if (!match) throw new TokenFileError(`${source}, line ${i + 1}: expected "sha256:<64 hex digits> <account>" (tokens themselves never go in this file)`); // prettier-ignore
    accounts.set(match[1]!, match[2]!);
  });
  if (accounts.size === 0) throw new TokenFileError(`${source} admits no token: every API request would be refused`);
  return { accounts };
}

export function readTokenFile(path: string): ApiTokens {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TokenFileError(`cannot read CHEMVEIL_TOKENS file ${path}: ${(error as Error).message}`);
  }
  return parseTokenFile(text, path);
}

/** The account a request's Authorization header names; 401 UNAUTHORIZED when it names none. */
export function accountOf(tokens: ApiTokens, authorization: string | undefined): string {
  const match = authorization === undefined ? null : BEARER.exec(authorization);
  if (!match) throw new ProtocolError('UNAUTHORIZED', 'this server needs an API token: send "Authorization: Bearer <token>" (chemveil --token, or Settings in the web app)'); // prettier-ignore
  const account = tokens.accounts.get(hashToken(match[1]!));
  if (account === undefined) throw new ProtocolError('UNAUTHORIZED', 'this API token is not valid on this server');
  return account;
}
