/**
 * SEAL's 16-byte serialization header: magic 0xA15E (u16 LE), header size 16, version 4.1, compression mode,
 * reserved u16, total size u64 LE. Checked before bytes reach SEAL: malformed input can abort the WASM module
 * instead of throwing, which would take every session on the server down with it.
 */
export function sealBlobProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length < 16) return 'shorter than a SEAL header';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0, true) !== 0xa15e) return 'not a SEAL object (bad magic)';
  if (bytes[2] !== 16 || bytes[3] !== 4 || bytes[4] !== 1) return 'not a SEAL 4.1 object';
  if (bytes[5]! > 2) return 'unknown compression mode';
  if (view.getBigUint64(8, true) !== BigInt(bytes.length)) return 'size field does not match the byte length';
  return undefined;
}

const ZSTD_MAGIC = 0xfd2fb528;
/** A zstd block never regenerates more than this (Block_Maximum_Size, RFC 8878 §3.1.1.2.4). */
const ZSTD_MAX_BLOCK = 128 * 1024;

/**
 * An upper bound on what a zstd-compressed SEAL blob inflates to, read from the zstd frame and block headers
 * alone (RFC 8878), or a reason it is not a plain zstd stream. SEAL inflates with no output limit, so a few KB of
 * RLE blocks can ask it for gigabytes: this is how a server refuses such a bomb before SEAL sees a byte.
 * Uncompressed blobs are their own size.
 */
export function sealInflatedBound(bytes: Uint8Array): { bytes: number } | { problem: string } {
  const problem = sealBlobProblem(bytes);
  if (problem) return { problem };
  if (bytes[5] !== 2) return bytes[5] === 0 ? { bytes: bytes.length } : { problem: 'zlib-compressed (only zstd or none)' }; // prettier-ignore
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let total = 16;
  let at = 16;
  while (at < bytes.length) {
    if (at + 6 > bytes.length || view.getUint32(at, true) !== ZSTD_MAGIC) return { problem: 'not a zstd frame' };
    const descriptor = bytes[at + 4]!;
    const contentSizeFlag = descriptor >> 6;
    const singleSegment = (descriptor >> 5) & 1;
    const checksum = (descriptor >> 2) & 1;
    const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
    const contentSizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][contentSizeFlag]!;
    at += 5 + (singleSegment ? 0 : 1) + dictionaryBytes;
    if (at + contentSizeBytes > bytes.length) return { problem: 'truncated zstd frame header' };
    let declared: number | undefined;
    if (contentSizeBytes === 1) declared = bytes[at]!;
    else if (contentSizeBytes === 2) declared = view.getUint16(at, true) + 256;
    else if (contentSizeBytes === 4) declared = view.getUint32(at, true);
    else if (contentSizeBytes === 8) declared = Number(view.getBigUint64(at, true));
    at += contentSizeBytes;
    let frame = 0;
    for (let last = false; !last;) {
      if (at + 3 > bytes.length) return { problem: 'truncated zstd block' };
      const header = bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
      last = (header & 1) === 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      at += 3;
      if (type === 3) return { problem: 'reserved zstd block type' };
      if (size > ZSTD_MAX_BLOCK) return { problem: 'zstd block larger than the format allows' };
      // Raw and RLE blocks regenerate `size` bytes (an RLE block from a single byte); compressed ones at most 128 KiB.
      frame += type === 2 ? ZSTD_MAX_BLOCK : size;
      at += type === 1 ? 1 : size;
    }
    at += checksum ? 4 : 0;
    if (at > bytes.length) return { problem: 'truncated zstd frame' };
    if (declared !== undefined && declared > frame) return { problem: 'zstd frame declares more than its blocks hold' }; // prettier-ignore
    total += frame;
  }
  return { bytes: total };
}
