// Share links: the result view, reproducible by someone else, with everything in the URL fragment (browsers never
// send the fragment to a server). Optionally sealed with a passphrase: AES-GCM-256 under a PBKDF2-SHA-256 key
// (600,000 iterations, OWASP's 2023 figure for SHA-256), random 16-byte salt and 12-byte IV per link.
import type { DisplayedPrediction } from '../predict/format.ts';

export interface SharedResult {
  v: 1;
  /** The molecule as entered (SMILES or molfile). */
  molecule: string;
  model: { id: string; version?: string; title: string };
  prediction: DisplayedPrediction;
  /** ISO 8601 date of the prediction. */
  date: string;
}

const OPEN = 'share';
const SEALED = 'sealed';
const PBKDF2_ITERATIONS = 600_000;
/** AES-GCM's framing around the JSON in a sealed link: 16-byte salt, 12-byte IV, 16-byte tag. */
const SEALED_OVERHEAD_BYTES = 16 + 12 + 16;

/**
 * The most a link's fragment (after '#') may hold, checked when a link is made and, before any decoding, when one
 * is opened. 64 KiB fits the longest SMILES the featurizer takes (5,000 characters, ~7 kB as a link) with room to
 * spare and molfiles up to ~48 kB (~500 atoms); past it a link is too long for most channels anyway, and a crafted
 * one could make the recipient's tab decode, parse and render megabytes (Chromium takes URLs up to 2 MB).
 */
export const MAX_SHARE_FRAGMENT_LENGTH = 65_536;

/** Characters of unpadded base64url for `bytes` bytes. */
const base64UrlLength = (bytes: number): number => Math.ceil((bytes * 4) / 3);

const toBase64Url = (bytes: Uint8Array): string => {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

const fromBase64Url = (text: string): Uint8Array<ArrayBuffer> => {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
};

export class ShareLinkError extends Error {
  override name = 'ShareLinkError';
}

/** A link over `MAX_SHARE_FRAGMENT_LENGTH`, refused before it is encoded, or before it is decoded when opened. */
export class ShareLinkTooLargeError extends ShareLinkError {
  override name = 'ShareLinkTooLargeError';
  constructor(
    readonly length: number,
    opening: boolean,
  ) {
    const limit = MAX_SHARE_FRAGMENT_LENGTH.toLocaleString('en-US');
    super(
      opening
        ? `This link is too large to open (${length.toLocaleString('en-US')} characters after #; ChemVeil links hold at most ${limit}). Nothing in it was read.`
        : `This result is too large for a link (${length.toLocaleString('en-US')} characters; at most ${limit}). Share the structure as SMILES rather than a molfile, or send the result another way.`,
    );
  }
}

async function keyFrom(passphrase: string, salt: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(passphrase), 'PBKDF2', false, [
    'deriveKey',
  ]);
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations: PBKDF2_ITERATIONS },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** The link's fragment ("share=…" or, with a passphrase, "sealed=…"), without the leading '#'. */
export async function encodeShareFragment(result: SharedResult, passphrase?: string): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(result));
  // Known before any work: no PBKDF2 run for a link that could not be opened.
  const length = passphrase
    ? SEALED.length + 1 + base64UrlLength(SEALED_OVERHEAD_BYTES + json.length)
    : OPEN.length + 1 + base64UrlLength(json.length);
  if (length > MAX_SHARE_FRAGMENT_LENGTH) throw new ShareLinkTooLargeError(length, false);
  if (!passphrase) return `${OPEN}=${toBase64Url(json)}`;
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await keyFrom(passphrase, salt), json)); // prettier-ignore
  return `${SEALED}=${toBase64Url(new Uint8Array([...salt, ...iv, ...sealed]))}`;
}

export type ParsedFragment = { kind: 'open'; result: SharedResult } | { kind: 'sealed'; payload: string } | undefined;

function validate(value: unknown): SharedResult {
  const r = value as SharedResult;
  if (
    r?.v !== 1 ||
    typeof r.molecule !== 'string' ||
    typeof r.model?.id !== 'string' ||
    typeof r.prediction?.value !== 'number' ||
    typeof r.date !== 'string'
  )
    throw new ShareLinkError('This link is damaged or from a newer version of ChemVeil.');
  return r;
}

/**
 * Reads a location hash; undefined when it is not a share link. An open link is decoded here (its content is
 * readable by anyone anyway); a sealed one is only unsealed with its passphrase. Size is checked first.
 */
export function parseShareFragment(hash: string): ParsedFragment {
  const fragment = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!fragment.startsWith(`${OPEN}=`) && !fragment.startsWith(`${SEALED}=`)) return undefined;
  if (fragment.length > MAX_SHARE_FRAGMENT_LENGTH) throw new ShareLinkTooLargeError(fragment.length, true);
  const [name, payload] = [fragment.slice(0, fragment.indexOf('=')), fragment.slice(fragment.indexOf('=') + 1)];
  if (name === SEALED && payload) return { kind: 'sealed', payload };
  if (name !== OPEN || !payload) return undefined;
  try {
    return { kind: 'open', result: validate(JSON.parse(new TextDecoder().decode(fromBase64Url(payload)))) };
  } catch (error) {
    if (error instanceof ShareLinkError) throw error;
    throw new ShareLinkError('This link is damaged (it may have been cut off when it was copied).');
  }
}

export async function unsealShareFragment(payload: string, passphrase: string): Promise<SharedResult> {
  if (SEALED.length + 1 + payload.length > MAX_SHARE_FRAGMENT_LENGTH)
    throw new ShareLinkTooLargeError(SEALED.length + 1 + payload.length, true);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = fromBase64Url(payload);
  } catch {
    throw new ShareLinkError('This link is damaged (it may have been cut off when it was copied).');
  }
  if (bytes.length < SEALED_OVERHEAD_BYTES) throw new ShareLinkError('This link is damaged.');
  let plain: ArrayBuffer;
  try {
    const key = await keyFrom(passphrase, bytes.slice(0, 16));
    plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.slice(16, 28) }, key, bytes.slice(28));
  } catch {
    throw new ShareLinkError('Wrong passphrase (or a damaged link).');
  }
  return validate(JSON.parse(new TextDecoder().decode(plain)));
}
