/**
 * JSON schemas shared by the server (Fastify validates requests and serializes replies with them) and the client
 * (`Static<typeof schema>` gives the TypeScript type, so the shape is written once).
 */

/** The JSON-schema subset used here, enough for `Static` to compute a type. */
export type Schema =
  | { readonly type: 'string'; readonly pattern?: string; readonly enum?: readonly string[]; readonly maxLength?: number; readonly format?: string } // prettier-ignore
  | { readonly type: 'integer' | 'number'; readonly minimum?: number; readonly maximum?: number }
  | { readonly type: 'boolean' }
  | { readonly type: 'array'; readonly items: Schema; readonly maxItems?: number }
  | {
      readonly type: 'object';
      readonly properties: Readonly<Record<string, Schema>>;
      readonly required?: readonly string[];
      readonly additionalProperties: boolean;
    };

type RequiredKeys<S> = S extends { required: readonly (infer K)[] } ? K : never;

/** The TypeScript type a schema validates. */
export type Static<S> = S extends { type: 'object'; properties: infer P }
  ? { -readonly [K in keyof P as K extends RequiredKeys<S> ? K : never]: Static<P[K]> } & {
      -readonly [K in keyof P as K extends RequiredKeys<S> ? never : K]?: Static<P[K]>;
    }
  : S extends { enum: readonly (infer E)[] }
    ? E
    : S extends { type: 'string' }
      ? string
      : S extends { type: 'integer' | 'number' }
        ? number
        : S extends { type: 'boolean' }
          ? boolean
          : S extends { type: 'array'; items: infer I }
            ? Static<I>[]
            : never;

const schema = <S extends Schema>(s: S): S => s;

/** Model ids are URL-safe (ModelCard.id, or a bundle's file stem). */
export const MODEL_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
/** Session and query ids: 128 random bits, base64url. */
export const TOKEN_PATTERN = '^[A-Za-z0-9_-]{22}$';

export const modelParamsSchema = schema({
  type: 'object',
  properties: { id: { type: 'string', pattern: MODEL_ID_PATTERN } },
  required: ['id'],
  additionalProperties: false,
} as const);

export const partitionParamsSchema = schema({
  type: 'object',
  properties: { k: { type: 'integer', minimum: 0, maximum: 255 } },
  required: ['k'],
  additionalProperties: false,
} as const);

/**
 * Headers may carry anything else (proxies add their own); only ours are checked. A missing session header is
 * refused by the routes themselves, with a message that says what to send.
 */
export const sessionHeadersSchema = {
  type: 'object',
  properties: { 'chemveil-session': { type: 'string', pattern: TOKEN_PATTERN } },
  additionalProperties: true,
} as const;

export const partitionHeadersSchema = {
  type: 'object',
  properties: {
    'chemveil-session': { type: 'string', pattern: TOKEN_PATTERN },
    'chemveil-query': { type: 'string', pattern: TOKEN_PATTERN },
  },
  additionalProperties: true,
} as const;

export const sessionCreatedSchema = schema({
  type: 'object',
  properties: {
    sessionId: { type: 'string' },
    modelId: { type: 'string' },
    /** ISO 8601; the expiry slides forward with every request. */
    expiresAt: { type: 'string' },
    ttlSeconds: { type: 'integer' },
    maxCiphertextsPerRequest: { type: 'integer' },
    maxRequestBytes: { type: 'integer' },
  },
  required: ['sessionId', 'modelId', 'expiresAt', 'ttlSeconds', 'maxCiphertextsPerRequest', 'maxRequestBytes'],
  additionalProperties: false,
} as const);

export const errorBodySchema = schema({
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
      additionalProperties: false,
    },
  },
  required: ['error'],
  additionalProperties: false,
} as const);

export const healthSchema = schema({
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'starting', 'shutting-down'] },
    models: { type: 'integer' },
    workers: { type: 'integer' },
    sessions: { type: 'integer' },
  },
  required: ['status'],
  additionalProperties: false,
} as const);

export type ModelParams = Static<typeof modelParamsSchema>;
export type PartitionParams = Static<typeof partitionParamsSchema>;
export type SessionCreated = Static<typeof sessionCreatedSchema>;
export type Health = Static<typeof healthSchema>;
