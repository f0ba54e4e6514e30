export * from './featurizer-spec.ts';
