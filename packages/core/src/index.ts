export * from './featurizer-spec.ts';
export * from './bundle/types.ts';
export * from './bundle/card.ts';
export * from './bundle/errors.ts';
export * from './bundle/shapes.ts';
export * from './bundle/format.ts';
export * from './reference/forward.ts';
export * from './reference/head.ts';
export * from './plan/types.ts';
export * from './plan/parameters.ts';
export {
  positionOf,
  layOutVector,
  packMolecules,
  unpackMolecule,
  broadcastPeriod,
  laneCount,
  firstMoleculeLane,
} from './plan/layout.ts';
export * from './plan/lower.ts';
export * from './plan/diagonals.ts';
export * from './plan/planner.ts';
export * from './he/seal.ts';
export * from './he/errors.ts';
export * from './he/lifetime.ts';
export * from './he/context.ts';
export * from './he/engine.ts';
export * from './he/blinding.ts';
export * from './he/imaginary-unit.ts';
export * from './bundle/random.ts';
export * from './he/blob.ts';
export * from './wire/frames.ts';
export * from './protocol/index.ts';
