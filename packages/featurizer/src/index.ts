export * from './errors.ts';
export * from './featurizer.ts';
export * from './rdkit.ts';
export * from './standardize.ts';
export * from './files/index.ts';
export * from './batch.ts';
export * from './worker-api.ts';
export * from './scaffold.ts';
