import { describe, expect, it } from 'vitest';
import { crc32, decodeFrame, encodeFrame, InvalidFrameError, sealBlobProblem } from '../src/index.ts';

describe('wire frames', () => {
  it('round-trips blobs as binary', () => {
    const blobs = [Uint8Array.of(1, 2, 3), new Uint8Array(0), new Uint8Array(1000).fill(7)];
    const bytes = encodeFrame({ kind: 'query', partition: 2, molecules: 7, blobs });
    expect(bytes.length).toBe(16 + 12 + 1003 + 4);
    const frame = decodeFrame(bytes);
    expect(frame).toMatchObject({ kind: 'query', partition: 2, molecules: 7 });
    expect(frame.blobs.map((b) => Array.from(b))).toEqual(blobs.map((b) => Array.from(b)));
  });

  it('rejects truncated, padded and foreign bytes', () => {
    const bytes = encodeFrame({ kind: 'result', partition: 0, molecules: 1, blobs: [Uint8Array.of(1, 2)] });
    expect(() => decodeFrame(bytes.subarray(0, bytes.length - 1))).toThrow(InvalidFrameError);
    expect(() => decodeFrame(Uint8Array.of(...bytes, 0))).toThrow(/checksum mismatch/);
    expect(() => decodeFrame(new Uint8Array(32))).toThrow(/not a ChemVeil frame/);
  });

  it('detects any flipped bit with its CRC-32 (the standard check value for "123456789" is cbf43926)', () => {
    expect(crc32(new TextEncoder().encode('123456789')).toString(16)).toBe('cbf43926');
    const bytes = encodeFrame({ kind: 'query', partition: 1, molecules: 3, blobs: [new Uint8Array(300).fill(9)] });
    for (const bit of [0, 37, 8 * 20 + 3, 8 * 200 + 7, 8 * (bytes.length - 1)]) {
      const flipped = bytes.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      expect(() => decodeFrame(flipped)).toThrow(InvalidFrameError);
    }
  });

  it('screens SEAL blobs by header before SEAL sees them', () => {
    expect(sealBlobProblem(new Uint8Array(8))).toMatch(/shorter/);
    expect(sealBlobProblem(new Uint8Array(64))).toMatch(/magic/);
  });
});
