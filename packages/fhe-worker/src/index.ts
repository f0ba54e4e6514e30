export * from './client.ts';
export * from './select.ts';
export type { FheApi } from './worker.ts';
