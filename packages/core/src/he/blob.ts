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
