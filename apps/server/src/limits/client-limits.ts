import { ProtocolError } from '@chemveil/core';

export interface ClientLimitOptions {
  /** Sustained API requests per minute per client (token bucket refill). */
  requestsPerMinute: number;
  /** Requests a client may make at once before the rate applies. */
  burst: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Clients tracked at most; the fullest (idlest) buckets are forgotten first, which costs them nothing. */
const MAX_CLIENTS = 10_000;

/**
 * Per-client rate limit (a token bucket per client address) for the API: one client cannot starve the others or
 * turn the server into an oracle at machine speed. Over the limit: 429 OVER_CAPACITY with Retry-After. Checked
 * on request arrival, before any body is read.
 */
export class ClientRateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(private readonly options: ClientLimitOptions) {
    this.#now = options.now ?? Date.now;
  }

  take(client: string): void {
    const now = this.#now();
    const perMs = this.options.requestsPerMinute / 60_000;
    const bucket = this.#buckets.get(client) ?? { tokens: this.options.burst, updatedAt: now };
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + (now - bucket.updatedAt) * perMs);
    bucket.updatedAt = now;
    this.#buckets.delete(client);
    this.#buckets.set(client, bucket); // map order = recency
    if (this.#buckets.size > MAX_CLIENTS) this.#buckets.delete(this.#buckets.keys().next().value!);
    if (bucket.tokens < 1) {
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
      throw new ProtocolError(
        'OVER_CAPACITY',
        `rate limit: at most ${this.options.requestsPerMinute} requests a minute per client; retry in ${retryAfterSeconds} s`,
        { retryAfterSeconds },
      );
    }
    bucket.tokens -= 1;
  }

  get clients(): number {
    return this.#buckets.size;
  }
}

/**
 * Per-client molecule budget: a token bucket of `perDay` molecules per client address, refilled continuously.
 * Partition 0 of every query charges its molecules (a failed one is refunded). Over it: 429 BUDGET_EXHAUSTED with
 * Retry-After, the time until the request fits again. This, not cryptography, is what prices extracting a model
 * by many queries (docs/security.md, "Threat model").
 */
export class MoleculeBudget {
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(
    private readonly perDay: number,
    now?: () => number,
  ) {
    this.#now = now ?? Date.now;
  }

  charge(client: string, molecules: number): void {
    if (this.perDay <= 0) return;
    const now = this.#now();
    const perMs = this.perDay / 86_400_000;
    const bucket = this.#buckets.get(client) ?? { tokens: this.perDay, updatedAt: now };
    bucket.tokens = Math.min(this.perDay, bucket.tokens + (now - bucket.updatedAt) * perMs);
    bucket.updatedAt = now;
    this.#buckets.delete(client);
    this.#buckets.set(client, bucket);
    if (this.#buckets.size > MAX_CLIENTS) this.#buckets.delete(this.#buckets.keys().next().value!);
    if (bucket.tokens < molecules) {
      const retryAfterSeconds = Math.max(1, Math.ceil((molecules - bucket.tokens) / perMs / 1000));
      throw new ProtocolError(
        'BUDGET_EXHAUSTED',
        `this client's budget of ${this.perDay} molecules a day is spent (${Math.floor(bucket.tokens)} left, ${molecules} asked); retry in ${retryAfterSeconds} s`, // prettier-ignore
        { retryAfterSeconds },
      );
    }
    bucket.tokens -= molecules;
  }

  /** Gives back what a query that never ran was charged. */
  refund(client: string, molecules: number): void {
    const bucket = this.#buckets.get(client);
    if (bucket) bucket.tokens = Math.min(this.perDay, bucket.tokens + molecules);
  }
}
