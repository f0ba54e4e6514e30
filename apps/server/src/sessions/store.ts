import { randomBytes } from 'node:crypto';
import { ProtocolError } from '@chemveil/core';
import type { SessionKeyBytes } from '@chemveil/core';
import type { PoolSession } from '../evaluation/pool.ts';
import type { LoadedModel } from '../models/registry.ts';

/**
 * Where one query (a batch of ciphertexts travelling through the partitions) stands. Kept per query so partitions
 * must come in order and once each (replays and skips get 409), and so the blinded refresh can keep its masks
 * here, between partition k's reply and partition k + 1's request.
 */
export interface QueryState {
  id: string;
  nextPartition: number;
  ciphertexts: number;
  molecules: number;
  /** A request for this query is being evaluated: a concurrent duplicate is refused. */
  busy: boolean;
  /**
   * Blinded refresh: the masks added to the last evaluated partition's results (one Float64Array per ciphertext,
   * molecules × output length), removed from the next partition's input. At most ciphertexts × slots values; they
   * go with the query (last partition, eviction of an abandoned query, session expiry or deletion).
   */
  masks?: Float64Array[];
  updatedAt: number;
}

export interface Session extends PoolSession {
  model: LoadedModel;
  /** Address of the client that opened it (per-client session quota). */
  client: string;
  createdAt: number;
  expiresAt: number;
  /** Bytes charged against the memory cap: the uploaded keys plus their loaded form in every worker. */
  bytes: number;
  activeRequests: number;
  queries: Map<string, QueryState>;
  /** Per-session counters (a later rate limit reads them). */
  partitionsEvaluated: number;
  ciphertextsEvaluated: number;
}

export interface SessionStoreOptions {
  ttlSeconds: number;
  maxBytes: number;
  maxSessions: number;
  /** Sessions one client address may hold at once. */
  sessionsPerClient?: number;
  /** Session memory one client's sessions may take together (so one client cannot evict everyone else's). */
  bytesPerClient?: number;
  /** Bytes one session's keys take once loaded in one worker (SEAL expands the seeded upload). */
  workers: number;
  onDispose: (session: Session) => void;
  now?: () => number;
}

/** 128 random bits, URL-safe. */
export const newToken = (): string => randomBytes(16).toString('base64url');

const MAX_QUERIES_PER_SESSION = 64;
const MAX_TOMBSTONES = 10_000;

/**
 * Loaded (expanded) keys: per Galois step and for the relinearization key, k decomposition components × 2
 * polynomials × (k + 1) primes × N words; the public key is 2 polynomials over k + 1 primes.
 */
export function loadedKeyBytes(model: LoadedModel): number {
  const { polyModulusDegree, coeffModulusBits } = model.plan.parameters;
  const k = coeffModulusBits.length - 1;
  const switchingKeys = model.plan.galoisSteps.length + (model.plan.relinearizationKeys ? 1 : 0);
  return (switchingKeys * k + 1) * 2 * (k + 1) * polyModulusDegree * 8;
}

/**
 * Sessions in memory: a sliding TTL, a cap on their total memory and count with least-recently-used eviction of
 * idle sessions, and SEAL objects freed (in every worker) when a session goes. Ids of sessions that expired or
 * were evicted are remembered for a while, so their clients get SESSION_EXPIRED rather than SESSION_NOT_FOUND.
 */
export class SessionStore {
  /** Map order is recency order: get() moves a session to the end. */
  readonly #sessions = new Map<string, Session>();
  readonly #tombstones = new Map<string, number>();
  #bytes = 0;
  readonly #sweeper: NodeJS.Timeout;
  readonly #now: () => number;

  constructor(private readonly options: SessionStoreOptions) {
    this.#now = options.now ?? Date.now;
    this.#sweeper = setInterval(() => this.sweep(), Math.min(30_000, (options.ttlSeconds * 1000) / 4));
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Charges a new session against the caps (evicting idle ones), or refuses with 429. */
  create(model: LoadedModel, keys: SessionKeyBytes, client = 'local'): Session {
    const quota = this.options.sessionsPerClient ?? Infinity;
    let held = 0;
    let heldBytes = 0;
    for (const session of this.#sessions.values()) {
      if (session.client !== client) continue;
      held++;
      heldBytes += session.bytes;
    }
    if (held >= quota)
      throw new ProtocolError('OVER_CAPACITY', `this client already holds ${held} sessions (the quota); delete one or let it expire`, { retryAfterSeconds: 60 }); // prettier-ignore
    const uploaded = keys.galoisKeys.length + (keys.relinKeys?.length ?? 0) + keys.publicKey.length;
    const bytes = uploaded + loadedKeyBytes(model) * this.options.workers;
    const perClient = this.options.bytesPerClient ?? Infinity;
    if (heldBytes + bytes > perClient)
      throw new ProtocolError('OVER_CAPACITY', `this client's sessions would take ${heldBytes + bytes} bytes; one client may hold ${perClient} (delete one or let it expire)`, { retryAfterSeconds: 60 }); // prettier-ignore
    if (bytes > this.options.maxBytes)
      throw new ProtocolError('OVER_CAPACITY', `a session of this model needs ${bytes} bytes; the server allows ${this.options.maxBytes}`, { retryAfterSeconds: 60 }); // prettier-ignore
    for (const session of this.#sessions.values()) {
      if (this.#bytes + bytes <= this.options.maxBytes && this.#sessions.size < this.options.maxSessions) break;
      if (session.activeRequests === 0) this.#dispose(session);
    }
    if (this.#bytes + bytes > this.options.maxBytes || this.#sessions.size >= this.options.maxSessions)
      throw new ProtocolError('OVER_CAPACITY', 'every session slot is busy; retry shortly', { retryAfterSeconds: 5 });
    const now = this.#now();
    const session: Session = {
      id: newToken(),
      modelId: model.id,
      model,
      client,
      keys,
      closed: false,
      createdAt: now,
      expiresAt: now + this.options.ttlSeconds * 1000,
      bytes,
      activeRequests: 0,
      queries: new Map(),
      partitionsEvaluated: 0,
      ciphertextsEvaluated: 0,
    };
    this.#sessions.set(session.id, session);
    this.#bytes += bytes;
    return session;
  }

  /** The live session (its expiry slid forward), or a 404 that says whether it expired. */
  get(id: string): Session {
    const session = this.#sessions.get(id);
    if (!session) {
      if (this.#tombstones.has(id))
        throw new ProtocolError('SESSION_EXPIRED', 'the session expired; create a new one and start again at partition 0'); // prettier-ignore
      throw new ProtocolError('SESSION_NOT_FOUND', 'no such session; create one with POST /v1/models/:id/sessions');
    }
    const now = this.#now();
    if (now >= session.expiresAt && session.activeRequests === 0) {
      this.#dispose(session);
      return this.get(id);
    }
    session.expiresAt = now + this.options.ttlSeconds * 1000;
    this.#sessions.delete(id);
    this.#sessions.set(id, session);
    return session;
  }

  /** Deletes a session the client is done with (its in-flight requests finish first in the workers). */
  delete(id: string): void {
    const session = this.get(id);
    this.#dispose(session, false);
  }

  /** A query's state: a new one for partition 0, else the one named by the client's query id. */
  startQuery(session: Session, ciphertexts: number, molecules: number): QueryState {
    if (session.queries.size >= MAX_QUERIES_PER_SESSION) {
      // Abandoned queries (a client that stopped mid-way) make room, oldest first.
      const idle = [...session.queries.values()].filter((q) => !q.busy).sort((a, b) => a.updatedAt - b.updatedAt);
      if (idle[0]) session.queries.delete(idle[0].id);
      else throw new ProtocolError('OVER_CAPACITY', 'too many queries in flight in this session', { retryAfterSeconds: 1 }); // prettier-ignore
    }
    const query: QueryState = { id: newToken(), nextPartition: 0, ciphertexts, molecules, busy: false, updatedAt: this.#now() }; // prettier-ignore
    session.queries.set(query.id, query);
    return query;
  }

  sweep(): void {
    const now = this.#now();
    for (const session of [...this.#sessions.values()]) {
      if (now >= session.expiresAt && session.activeRequests === 0) this.#dispose(session);
    }
  }

  #dispose(session: Session, tombstone = true): void {
    if (session.closed) return;
    session.closed = true;
    this.#sessions.delete(session.id);
    this.#bytes -= session.bytes;
    session.queries.clear();
    if (tombstone) {
      this.#tombstones.set(session.id, this.#now());
      if (this.#tombstones.size > MAX_TOMBSTONES) this.#tombstones.delete(this.#tombstones.keys().next().value!);
    }
    this.options.onDispose(session);
  }

  close(): void {
    clearInterval(this.#sweeper);
    for (const session of [...this.#sessions.values()]) this.#dispose(session, false);
  }
}
