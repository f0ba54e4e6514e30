export * from './client.ts';
export * from './select.ts';
export { createFheApi, type FheApi } from './worker.ts';
