export * from './errors.ts';
export * from './schemas.ts';
export * from './model.ts';
export * from './client.ts';
