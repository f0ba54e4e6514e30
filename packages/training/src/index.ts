export * from './dataset.ts';
export * from './metrics.ts';
export * from './presets.ts';
export * from './random.ts';
export * from './split.ts';
export * from './train-model.ts';
export * from './trainer.ts';
export * from './encrypted-check.ts';
