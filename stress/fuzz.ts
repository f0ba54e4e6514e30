// Hostile-input fuzzing of the model server: thousands of malformed requests, each of which must get a 4xx with the
// stable error shape, never a 5xx, a hang or a crash. Used by apps/server/test/fuzz.test.ts (scaled down) and by
// `npm run stress` (in full, over a real loopback port).
import {
  createCkksContext,
  encodeFrame,
  loadSeal,
  planModel,
  PARAMETER_CANDIDATES,
  QUERY_HEADER,
  randomFingerprints,
  seededRandom,
  type ModelBundle,
  type ModelSummary,
} from '@chemveil/core';
import { FheClient } from '@chemveil/fhe-worker';

export interface FuzzRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: Uint8Array;
}

export interface FuzzResponse {
  status: number;
  body: Uint8Array;
  headers: Record<string, string | undefined>;
}

export type Send = (request: FuzzRequest) => Promise<FuzzResponse>;

export interface FuzzReport {
  requests: number;
  statusCounts: Record<string, number>;
  /** Requests whose answer broke the rules (5xx, or a 4xx without the stable error shape). */
  violations: { kind: string; status: number; body: string }[];
  /** Mutated ciphertexts that still were valid ciphertexts (re-framed with a correct checksum): evaluated, 200. */
  acceptedMutations: number;
  byKind: Record<string, Record<string, number>>;
  seconds: number;
}

const OCTETS = { 'content-type': 'application/octet-stream' };
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** What every case needs: a real model summary, real keys and ciphertexts to mutate, and foreign ones. */
export interface FuzzMaterial {
  modelId: string;
  /** The Galois keys (what the key cases mutate); `keyTail` the rest of an honest upload (relinearization keys, public key). */
  keys: Uint8Array;
  keyTail: Uint8Array[];
  ciphertexts: Uint8Array[];
  /** A partition-0 result (size-3, lower level): the wrong level as an input. */
  result?: Uint8Array;
  foreignKeys: Uint8Array;
  foreignCiphertext: Uint8Array;
  transparentCiphertext: Uint8Array;
  dispose(): void;
}

/** Makes keys and ciphertexts for the served model, for other parameters, and a transparent one. */
export async function fuzzMaterial(model: ModelSummary, bundle: ModelBundle): Promise<FuzzMaterial> {
  const random = seededRandom(99);
  const client = await FheClient.create(model.plan);
  const { galoisKeys: keys, relinKeys, publicKey } = client.evaluationKeys();
  const keyTail = [...(relinKeys ? [relinKeys] : []), publicKey];
  const ciphertexts = client.encryptFeatures(randomFingerprints(model.plan.moleculesPerCiphertext * 2, bundle.inputLength, random)); // prettier-ignore
  // Other parameters: the first other tc128 candidate this network can be planned for.
  const served = model.plan.parameters;
  const foreignPlan = PARAMETER_CANDIDATES.filter(
    (p) => p.polyModulusDegree !== served.polyModulusDegree || p.coeffModulusBits.join() !== served.coeffModulusBits.join(), // prettier-ignore
  )
    .map((parameters) => {
      try {
        return planModel(bundle, { parameters });
      } catch {
        return undefined;
      }
    })
    .find((plan) => plan !== undefined);
  if (!foreignPlan) throw new Error('no other parameter set fits this network');
  const foreign = await FheClient.create(foreignPlan);
  const foreignKeys = foreign.evaluationKeys().galoisKeys;
  const foreignCiphertext = foreign.encryptFeatures(randomFingerprints(1, bundle.inputLength, random))[0]!;
  foreign.dispose();
  // Transparent: a real ciphertext with its c1 polynomial zeroed (no encryption randomness at all).
  const seal = await loadSeal();
  const ckks = createCkksContext(seal, model.plan.parameters);
  const ct = seal.CipherText();
  let transparentCiphertext: Uint8Array;
  try {
    ct.loadArray(ckks.context, ciphertexts[0]!);
    const raw = ct.saveArray(seal.ComprModeType.none);
    const polynomialBytes = ct.coeffModulusSize * ct.polyModulusDegree * 8;
    transparentCiphertext = raw.slice();
    transparentCiphertext.fill(0, raw.length - polynomialBytes);
  } finally {
    ct.delete();
    ckks.delete();
  }
  return {
    modelId: model.id,
    keys,
    keyTail,
    ciphertexts,
    foreignKeys,
    foreignCiphertext,
    transparentCiphertext,
    dispose: () => client.dispose(),
  };
}

type Case = (context: CaseContext) => Promise<FuzzRequest[]> | FuzzRequest[];

interface CaseContext {
  random: () => number;
  material: FuzzMaterial;
  /** A live session id (re-created when a case deletes it). */
  session: () => Promise<string>;
  sessionGone: () => void;
  send: Send;
}

const bytesOf = (length: number, random: () => number) => Uint8Array.from({ length }, () => Math.floor(random() * 256));
const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)]!;
const keysFrame = (blob: Uint8Array, tail: Uint8Array[]) => encodeFrame({ kind: 'evaluation-keys', partition: 0, molecules: 0, blobs: [blob, ...tail] }); // prettier-ignore
const queryFrame = (partition: number, molecules: number, blobs: Uint8Array[]) => encodeFrame({ kind: 'query', partition, molecules, blobs }); // prettier-ignore
const flipBits = (bytes: Uint8Array, random: () => number, flips = 1 + Math.floor(random() * 8)) => {
  const out = bytes.slice();
  for (let i = 0; i < flips; i++) out[Math.floor(random() * out.length)]! ^= 1 << Math.floor(random() * 8);
  return out;
};

/**
 * A SEAL blob whose zstd stream would inflate to `blocks` × 128 KiB: RLE blocks of 4 bytes each (8,192 of them:
 * 32 KiB that would inflate to 1 GiB). SEAL inflates with no output limit; the server must refuse it from the headers.
 */
export function sealZstdBomb(blocks: number): Uint8Array {
  const zstd = new Uint8Array(4 + 1 + 1 + 4 * blocks);
  zstd.set([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58]); // frame magic, descriptor (no size, no checksum), window
  for (let b = 0; b < blocks; b++) {
    const header = ((128 * 1024) << 3) | (1 << 1) | (b === blocks - 1 ? 1 : 0); // RLE block
    zstd.set([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0x41], 6 + 4 * b);
  }
  const bomb = new Uint8Array(16 + zstd.length);
  const view = new DataView(bomb.buffer);
  view.setUint16(0, 0xa15e, true);
  bomb.set([16, 4, 1, 2], 2); // header size, SEAL 4.1, zstd
  view.setBigUint64(8, BigInt(bomb.length), true);
  bomb.set(zstd, 16);
  return bomb;
}

/** The families of hostile requests, each a small generator. */
export const CASES: Record<string, Case> = {
  'random bytes as keys': ({ random, material }) => [
    { method: 'POST', url: `/v1/models/${material.modelId}/sessions`, headers: OCTETS, body: bytesOf(Math.floor(random() * 70_000), random) }, // prettier-ignore
  ],
  'random bytes as ciphertexts': async ({ random, session }) => [
    { method: 'POST', url: `/v1/partitions/0`, headers: { ...OCTETS, 'chemveil-session': await session() }, body: bytesOf(Math.floor(random() * 70_000), random) }, // prettier-ignore
  ],
  'truncated keys': ({ random, material }) => {
    const frame = keysFrame(material.keys, material.keyTail);
    return [{ method: 'POST', url: `/v1/models/${material.modelId}/sessions`, headers: OCTETS, body: frame.subarray(0, Math.floor(random() * frame.length)) }]; // prettier-ignore
  },
  'truncated ciphertexts': async ({ random, material, session }) => {
    const frame = queryFrame(0, 1, [material.ciphertexts[0]!]);
    return [{ method: 'POST', url: `/v1/partitions/0`, headers: { ...OCTETS, 'chemveil-session': await session() }, body: frame.subarray(0, Math.floor(random() * frame.length)) }]; // prettier-ignore
  },
  'bit-flipped key upload': ({ random, material }) => [
    { method: 'POST', url: `/v1/models/${material.modelId}/sessions`, headers: OCTETS, body: flipBits(keysFrame(material.keys, material.keyTail), random) }, // prettier-ignore
  ],
  'bit-flipped ciphertext upload': async ({ random, material, session }) => [
    { method: 'POST', url: `/v1/partitions/0`, headers: { ...OCTETS, 'chemveil-session': await session() }, body: flipBits(queryFrame(0, 1, [material.ciphertexts[0]!]), random) }, // prettier-ignore
  ],
  // A forger re-frames the flipped bytes with a correct checksum: SEAL then judges the ciphertext itself.
  'bit-flipped ciphertext, re-framed': async ({ random, material, session }) => [
    { method: 'POST', url: `/v1/partitions/0`, headers: { ...OCTETS, 'chemveil-session': await session() }, body: queryFrame(0, 1, [flipBits(material.ciphertexts[0]!, random)]) }, // prettier-ignore
  ],
  'bit-flipped keys, re-framed': ({ random, material }) => [
    { method: 'POST', url: `/v1/models/${material.modelId}/sessions`, headers: OCTETS, body: keysFrame(flipBits(material.keys, random, 1 + Math.floor(random() * 3)), material.keyTail) }, // prettier-ignore
  ],
  'keys for other parameters': ({ material }) => [
    { method: 'POST', url: `/v1/models/${material.modelId}/sessions`, headers: OCTETS, body: keysFrame(material.foreignKeys, material.keyTail) }, // prettier-ignore
  ],
  'ciphertext for other parameters': async ({ material, session }) => [
    { method: 'POST', url: `/v1/partitions/0`, headers: { ...OCTETS, 'chemveil-session': await session() }, body: queryFrame(0, 1, [material.foreignCiphertext]) }, // prettier-ignore
  ],
  'transparent ciphertext': async ({ material, session }) => [
    { method: 'POST', url: `/v1/partitions/0`, headers: { ...OCTETS, 'chemveil-session': await session() }, body: queryFrame(0, 1, [material.transparentCiphertext]) }, // prettier-ignore
  ],
  'wrong level (a result sent back as input)': async ({ material, session, send }) => {
    const sid = await session();
    const first = await send({ method: 'POST', url: `/v1/partitions/0`, headers: { ...OCTETS, 'chemveil-session': sid }, body: queryFrame(0, 1, [material.ciphertexts[0]!]) }); // prettier-ignore
    const query = first.headers[QUERY_HEADER] ?? 'none';
    // The reply frame's blob is a partition-0 result: feed it to partition 1 unrefreshed, and to partition 0 again.
    const blob = first.status === 200 ? first.body.subarray(16 + 4, first.body.length - 4) : material.ciphertexts[0]!;
    return [
      { method: 'POST', url: `/v1/partitions/1`, headers: { ...OCTETS, [QUERY_HEADER]: query, 'chemveil-session': sid }, body: queryFrame(1, 1, [blob]) }, // prettier-ignore
      {
        method: 'POST',
        url: `/v1/partitions/0`,
        headers: { ...OCTETS, 'chemveil-session': sid },
        body: queryFrame(0, 1, [blob]),
      },
    ];
  },
  'wrong partition order and replays': async ({ random, material, session }) => {
    const sid = await session();
    const k = 1 + Math.floor(random() * 3);
    return [
      { method: 'POST', url: `/v1/partitions/${k}`, headers: { ...OCTETS, 'chemveil-session': sid }, body: queryFrame(k, 1, [material.ciphertexts[0]!]) }, // prettier-ignore
      { method: 'POST', url: `/v1/partitions/${k}`, headers: { ...OCTETS, [QUERY_HEADER]: 'AAAAAAAAAAAAAAAAAAAAAA', 'chemveil-session': sid }, body: queryFrame(k, 1, [material.ciphertexts[0]!]) }, // prettier-ignore
      { method: 'POST', url: `/v1/partitions/200`, headers: { ...OCTETS, 'chemveil-session': sid }, body: queryFrame(200, 1, [material.ciphertexts[0]!]) }, // prettier-ignore
    ];
  },
  'frame lies about its contents': async ({ random, material, session }) => {
    const sid = await session();
    const lanes = 4;
    return [
      { method: 'POST', url: `/v1/partitions/0`, headers: { ...OCTETS, 'chemveil-session': sid }, body: queryFrame(1, 1, [material.ciphertexts[0]!]) }, // prettier-ignore
      { method: 'POST', url: `/v1/partitions/0`, headers: { ...OCTETS, 'chemveil-session': sid }, body: queryFrame(0, lanes * 3 + Math.floor(random() * 1e6), [material.ciphertexts[0]!]) }, // prettier-ignore
      {
        method: 'POST',
        url: `/v1/partitions/0`,
        headers: { ...OCTETS, 'chemveil-session': sid },
        body: queryFrame(0, 0, []),
      },
      { method: 'POST', url: `/v1/partitions/0`, headers: { ...OCTETS, 'chemveil-session': sid }, body: encodeFrame({ kind: 'result', partition: 0, molecules: 1, blobs: [material.ciphertexts[0]!] }) }, // prettier-ignore
      { method: 'POST', url: `/v1/models/${material.modelId}/sessions`, headers: OCTETS, body: encodeFrame({ kind: 'evaluation-keys', partition: 0, molecules: 0, blobs: [material.keys, material.keys, material.keys, material.keys] }) }, // prettier-ignore
    ];
  },
  'huge declared length': async ({ material, session }) => [
    { method: 'POST', url: `/v1/models/${material.modelId}/sessions`, headers: { ...OCTETS, 'content-length': String(2 ** 40) }, body: new Uint8Array(64) }, // prettier-ignore
    { method: 'POST', url: `/v1/partitions/0`, headers: { ...OCTETS, 'content-length': String(2 ** 33), 'chemveil-session': await session() }, body: new Uint8Array(64) }, // prettier-ignore
  ],
  'wrong content type': async ({ material, session }): Promise<FuzzRequest[]> => [
    { method: 'POST', url: `/v1/models/${material.modelId}/sessions`, headers: { 'content-type': 'application/json' }, body: new TextEncoder().encode('{"keys":"AAAA"}') }, // prettier-ignore
    { method: 'POST', url: `/v1/partitions/0`, headers: { 'content-type': 'text/plain', 'chemveil-session': await session() }, body: new TextEncoder().encode('CCO') }, // prettier-ignore
    { method: 'POST', url: `/v1/partitions/0`, headers: { 'chemveil-session': await session() }, body: undefined },
  ],
  'unknown sessions and models': ({ random }): FuzzRequest[] => [
    { method: 'POST', url: `/v1/partitions/0`, headers: { ...OCTETS, 'chemveil-session': Buffer.from(bytesOf(16, random)).toString('base64url') }, body: new Uint8Array(32) }, // prettier-ignore
    {
      method: 'DELETE',
      url: `/v1/session`,
      headers: { 'chemveil-session': Buffer.from(bytesOf(16, random)).toString('base64url') },
    },
    { method: 'GET', url: `/v1/models/${pick(['nope', 'esol2', 'x'.repeat(300), '..%2F..%2Fetc%2Fpasswd', '%00', 'a b'], random)}`, headers: {} }, // prettier-ignore
    { method: 'POST', url: `/v1/models/${pick(['nope', '%2e%2e', 'A'], random)}/sessions`, headers: OCTETS, body: new Uint8Array(16) }, // prettier-ignore
    { method: pick(['GET', 'DELETE', 'POST'] as const, random), url: pick(['/v1', '/v1/', '/v1/sessions', '/v1/session', '/v1/models/x/y/z', '/v1/partitions/-1', '/v1/partitions/1e9', '/v1/partitions/x', '/v1/sessions/x/partitions/-1'], random), headers: {} }, // prettier-ignore
  ],
  'zstd bombs': async ({ random, material, session }) => {
    const bomb = sealZstdBomb(1024 + Math.floor(random() * 8192));
    const slot = Math.floor(random() * (1 + material.keyTail.length));
    const blobs = [material.keys, ...material.keyTail];
    blobs[slot] = bomb;
    return [
      { method: 'POST', url: `/v1/models/${material.modelId}/sessions`, headers: OCTETS, body: encodeFrame({ kind: 'evaluation-keys', partition: 0, molecules: 0, blobs }) }, // prettier-ignore
      { method: 'POST', url: `/v1/partitions/0`, headers: { ...OCTETS, 'chemveil-session': await session() }, body: queryFrame(0, 1, [bomb]) }, // prettier-ignore
    ];
  },
  // The router percent-decodes and merges slashes; what it routes must still be checked (and counted) as the API.
  'encoded, odd and retired paths': async ({ random, material, session }) => {
    const sid = await session();
    const partition = pick(['/%761/partitions/0', '/v1/%70artitions/0', '/v1//partitions/0', '/v1/partitions/%30', '/V1/partitions/0', '/v1/partitions/0/', '/v1/partitions/0?x=1'], random); // prettier-ignore
    return [
      { method: 'POST', url: partition, headers: { ...OCTETS, 'chemveil-session': sid }, body: bytesOf(Math.floor(random() * 4096), random) }, // prettier-ignore
      { method: 'POST', url: partition, headers: OCTETS, body: queryFrame(0, 1, [material.ciphertexts[0]!]) },
      { method: 'POST', url: partition, headers: { ...OCTETS, 'chemveil-session': pick(['', 'x', sid.toLowerCase() + '=', '../' + sid, sid + sid], random) }, body: queryFrame(0, 1, [material.ciphertexts[0]!]) }, // prettier-ignore
      { method: 'POST', url: `/v1/sessions/${sid}/partitions/0`, headers: OCTETS, body: queryFrame(0, 1, [material.ciphertexts[0]!]) }, // prettier-ignore
      { method: 'DELETE', url: pick([`/v1/sessions/${sid}`, '/%761/session', '/v1/session'], random), headers: {} },
    ];
  },
  'concurrent deletes': async ({ material, session, send, sessionGone }) => {
    const sid = await session();
    sessionGone();
    const evaluate = send({ method: 'POST', url: `/v1/partitions/0`, headers: { ...OCTETS, 'chemveil-session': sid }, body: queryFrame(0, 1, [material.ciphertexts[0]!]) }); // prettier-ignore
    const deletes = [0, 1, 2].map(() =>
      send({ method: 'DELETE', url: `/v1/session`, headers: { 'chemveil-session': sid } }),
    );
    await Promise.all([evaluate, ...deletes]);
    // After the deletes the session is gone: every later use is a clean 404.
    return [{ method: 'POST', url: `/v1/partitions/0`, headers: { ...OCTETS, 'chemveil-session': sid }, body: queryFrame(0, 1, [material.ciphertexts[0]!]) }]; // prettier-ignore
  },
};

const isErrorShape = (body: Uint8Array): boolean => {
  try {
    const parsed = JSON.parse(text(body)) as { error?: { code?: unknown; message?: unknown } };
    return typeof parsed.error?.code === 'string' && typeof parsed.error?.message === 'string';
  } catch {
    return false;
  }
};

/** Runs `count` hostile requests (cases drawn at random from a seed) and checks every answer. */
export async function runFuzz(send: Send, material: FuzzMaterial, count: number, seed = 1): Promise<FuzzReport> {
  const started = performance.now();
  const random = seededRandom(seed);
  const report: FuzzReport = {
    requests: 0,
    statusCounts: {},
    violations: [],
    acceptedMutations: 0,
    byKind: {},
    seconds: 0,
  };
  let liveSession: string | undefined;
  const context: CaseContext = {
    random,
    material,
    send,
    sessionGone: () => (liveSession = undefined),
    session: async () => {
      if (!liveSession) {
        const created = await send({ method: 'POST', url: `/v1/models/${material.modelId}/sessions`, headers: OCTETS, body: keysFrame(material.keys, material.keyTail) }); // prettier-ignore
        if (created.status !== 201)
          throw new Error(`cannot open a session to fuzz: ${created.status} ${text(created.body)}`);
        liveSession = (JSON.parse(text(created.body)) as { sessionId: string }).sessionId;
      }
      return liveSession;
    },
  };
  const kinds = Object.keys(CASES);
  while (report.requests < count) {
    const kind = pick(kinds, random);
    const requests = await CASES[kind]!(context);
    for (const request of requests) {
      const response = await send(request);
      report.requests++;
      report.statusCounts[response.status] = (report.statusCounts[response.status] ?? 0) + 1;
      const counts = (report.byKind[kind] ??= {});
      counts[response.status] = (counts[response.status] ?? 0) + 1;
      // Over a real socket, a server that refuses an oversized body early closes the connection before reading
      // it: the client sees EPIPE/ECONNRESET (status 0) instead of the 413. That is the refusal, not a failure.
      if (response.status === 0 && (request.body?.length ?? 0) > 1 << 20) continue;
      const reFramed = kind.endsWith('re-framed') || kind === 'concurrent deletes';
      if (response.status >= 200 && response.status < 300 && reFramed) {
        report.acceptedMutations++;
        if (kind.startsWith('bit-flipped keys')) context.sessionGone(); // it opened a session (its keys parse)
        continue;
      }
      if (response.status < 400 || response.status >= 500 || !isErrorShape(response.body)) {
        report.violations.push({ kind, status: response.status, body: text(response.body).slice(0, 200) });
      }
      // The live session is gone only when the server says so (a 404 for an unrouted path leaves it alive).
      if (kind !== 'unknown sessions and models' && /"SESSION_(NOT_FOUND|EXPIRED)"/.test(text(response.body))) context.sessionGone(); // prettier-ignore
    }
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
