export * from './client.ts';
export * from './driver.ts';
export { keepProtocolErrors } from './error-transfer.ts';
export * from './select.ts';
export { createFheApi, type FheApi, type QueryCall } from './worker.ts';
