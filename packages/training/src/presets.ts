import type { FeaturizerSpec } from '@chemveil/core';

/** RDKit descriptors VeilNet appends to its Morgan bits (all from MinimalLib's `get_descriptors()`). */
export const VEILNET_DESCRIPTORS = [
  'exactmw',
  'amw',
  'lipinskiHBA',
  'lipinskiHBD',
  'NumRotatableBonds',
  'NumHBD',
  'NumHBA',
  'NumHeavyAtoms',
  'NumAtoms',
  'NumHeteroatoms',
  'NumAmideBonds',
  'FractionCSP3',
  'NumRings',
  'NumAromaticRings',
  'NumAliphaticRings',
  'NumSaturatedRings',
  'NumHeterocycles',
  'NumAromaticHeterocycles',
  'NumSaturatedHeterocycles',
  'NumAliphaticHeterocycles',
  'NumSpiroAtoms',
  'NumBridgeheadAtoms',
  'NumAtomStereoCenters',
  'labuteASA',
  'tpsa',
  'CrippenClogP',
  'CrippenMR',
  'chi0v',
  'chi1v',
  'chi2v',
  'chi3v',
  'chi4v',
  'chi0n',
  'chi1n',
  'chi2n',
  'chi3n',
  'chi4n',
  'hallKierAlpha',
  'kappa1',
  'kappa2',
  'kappa3',
  'Phi',
];

/** The activation every preset uses, in training and in encrypted inference alike: 0.125x² + 0.5x + 0.25. */
export const VEIL_ACTIVATION = { a: 0.125, b: 0.5, c: 0.25 } as const;

export interface ArchitecturePreset {
  name: string;
  summary: string;
  /** Featurizer spec; descriptor mean/std are fitted on the training split. */
  featurizer: Omit<FeaturizerSpec, 'descriptors'>;
  descriptorNames: string[];
  /** Hidden layer widths; each hidden dense layer is followed by the activation polynomial. */
  hidden: number[];
  epochs: number;
  patience: number;
  batchSize: number;
  learningRate: number;
  /** L2 weight penalty. */
  l2: number;
  /** Fraction of input features dropped during training (seeded). */
  inputDropout: number;
  /** Penalty on mean squared logit (classification): keeps encrypted outputs in a moderate range. */
  logitPenalty: number;
}

// Tuned on ESOL and Lipophilicity validation splits: strong dropout on the fingerprint bits (never on
// descriptors) and L2 keep these small-data models from memorizing bits; early stopping picks the epoch.
const base = {
  epochs: 200,
  patience: 30,
  batchSize: 64,
  learningRate: 1e-3,
  l2: 1e-3,
  inputDropout: 0.5,
  logitPenalty: 1e-3,
};

/**
 * FHE-friendly architectures, in the spirit of ChemXor's OlindaNetZero/OlindaNet but designed for our circuits:
 * a power-of-two input of 1024 features (B = 4 molecules per N=8192 ciphertext), two hidden layers whose widths
 * make the BSGS diagonal method cheap, and a degree-2 activation (one multiplicative level each).
 */
export const PRESETS: Record<string, ArchitecturePreset> = {
  'veilnet-zero': {
    name: 'veilnet-zero',
    summary: 'Morgan r=2 1024 bits → 64 → act → 32 → act → out',
    featurizer: {
      version: 1,
      kind: 'morgan',
      radius: 2,
      nBits: 1024,
      layout: 'flat',
      standardize: 'largest-organic-fragment',
    },
    descriptorNames: [],
    hidden: [64, 32],
    ...base,
  },
  veilnet: {
    name: 'veilnet',
    summary: 'Morgan r=2 960 bits + 42 normalized RDKit descriptors (1024 inputs) → 32 → act → 16 → act → out',
    featurizer: {
      version: 1,
      kind: 'morgan',
      radius: 2,
      nBits: 960,
      layout: 'flat',
      standardize: 'largest-organic-fragment',
    },
    descriptorNames: VEILNET_DESCRIPTORS,
    hidden: [32, 16],
    ...base,
  },
};

export const DEFAULT_PRESET = 'veilnet';
