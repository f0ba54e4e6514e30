/**
 * Binary framing for ciphertext and key blobs on the wire (application/octet-stream; never base64 or JSON arrays):
 * 'CVW2' | u8 kind | u8 partition | u16 reserved | u32 molecules | u32 count | count × u32 lengths | payloads |
 * u32 CRC-32 of everything before it. All integers little-endian. The checksum turns a corrupted or truncated body
 * into a clear 400 before SEAL parses anything (it is no defence against a deliberate forger, and needs none: a
 * well-formed ciphertext from anyone is just a query).
 */
export type FrameKind = 'query' | 'result' | 'evaluation-keys';

const KINDS: FrameKind[] = ['query', 'result', 'evaluation-keys'];
const MAGIC = [0x43, 0x56, 0x57, 0x32]; // "CVW2"
const FIXED = 16;
const CHECKSUM = 4;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE, as zlib): ~0.3 ms per 100 KB ciphertext in JS. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export interface Frame {
  kind: FrameKind;
  /** Partition the blobs are for (queries) or came from (results). */
  partition: number;
  /** Molecules carried (B per ciphertext, the last one possibly partial). */
  molecules: number;
  blobs: Uint8Array[];
}

export class InvalidFrameError extends Error {
  override name = 'InvalidFrameError';
  readonly code = 'INVALID_FRAME';
}

export function encodeFrame(frame: Frame): Uint8Array {
  if (frame.partition < 0 || frame.partition > 255) throw new RangeError('partition must be 0..255');
  const header = FIXED + 4 * frame.blobs.length;
  const out = new Uint8Array(header + frame.blobs.reduce((a, b) => a + b.length, 0) + CHECKSUM);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = KINDS.indexOf(frame.kind);
  out[5] = frame.partition;
  view.setUint32(8, frame.molecules, true);
  view.setUint32(12, frame.blobs.length, true);
  let offset = header;
  frame.blobs.forEach((blob, i) => {
    view.setUint32(FIXED + 4 * i, blob.length, true);
    out.set(blob, offset);
    offset += blob.length;
  });
  view.setUint32(offset, crc32(out.subarray(0, offset)), true);
  return out;
}

/** Parses a frame from untrusted bytes; blobs are views into `bytes` (no copy). */
export function decodeFrame(bytes: Uint8Array, maxBlobs = 4096): Frame {
  const fail = (message: string): never => {
    throw new InvalidFrameError(message);
  };
  if (bytes.length < FIXED + CHECKSUM || MAGIC.some((b, i) => bytes[i] !== b)) fail('not a ChemVeil frame');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length - CHECKSUM;
  if (view.getUint32(end, true) !== crc32(bytes.subarray(0, end)))
    fail('checksum mismatch: the body was corrupted or truncated');
  const kind = KINDS[bytes[4]!] ?? fail(`unknown frame kind ${bytes[4]}`);
  const count = view.getUint32(12, true);
  if (count > maxBlobs || FIXED + 4 * count > end) fail(`bad blob count ${count}`);
  const blobs: Uint8Array[] = [];
  let offset = FIXED + 4 * count;
  for (let i = 0; i < count; i++) {
    const length = view.getUint32(FIXED + 4 * i, true);
    if (offset + length > end) fail(`blob ${i} runs past the end`);
    blobs.push(bytes.subarray(offset, offset + length));
    offset += length;
  }
  if (offset !== end) fail('trailing bytes after the last blob');
  return { kind, partition: bytes[5]!, molecules: view.getUint32(8, true), blobs };
}
