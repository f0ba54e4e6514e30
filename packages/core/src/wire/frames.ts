/**
 * Binary framing for ciphertext and key blobs on the wire (application/octet-stream; never base64 or JSON arrays):
 * 'CVW1' | u8 kind | u8 partition | u16 reserved | u32 molecules | u32 count | count × u32 lengths | payloads.
 * All integers little-endian.
 */
export type FrameKind = 'query' | 'result' | 'evaluation-keys';

const KINDS: FrameKind[] = ['query', 'result', 'evaluation-keys'];
const MAGIC = [0x43, 0x56, 0x57, 0x31]; // "CVW1"
const FIXED = 16;

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
  const out = new Uint8Array(header + frame.blobs.reduce((a, b) => a + b.length, 0));
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
  return out;
}

/** Parses a frame from untrusted bytes; blobs are views into `bytes` (no copy). */
export function decodeFrame(bytes: Uint8Array, maxBlobs = 4096): Frame {
  const fail = (message: string): never => {
    throw new InvalidFrameError(message);
  };
  if (bytes.length < FIXED || MAGIC.some((b, i) => bytes[i] !== b)) fail('not a ChemVeil frame');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = KINDS[bytes[4]!] ?? fail(`unknown frame kind ${bytes[4]}`);
  const count = view.getUint32(12, true);
  if (count > maxBlobs || FIXED + 4 * count > bytes.length) fail(`bad blob count ${count}`);
  const blobs: Uint8Array[] = [];
  let offset = FIXED + 4 * count;
  for (let i = 0; i < count; i++) {
    const length = view.getUint32(FIXED + 4 * i, true);
    if (offset + length > bytes.length) fail(`blob ${i} runs past the end`);
    blobs.push(bytes.subarray(offset, offset + length));
    offset += length;
  }
  if (offset !== bytes.length) fail('trailing bytes after the last blob');
  return { kind, partition: bytes[5]!, molecules: view.getUint32(8, true), blobs };
}
