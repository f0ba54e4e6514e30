// A prediction as history and share links store it, for the web tests.
import type { SharedResult } from '../src/features/share/share-link.ts';

export const aspirin: SharedResult = {
  v: 1,
  molecule: 'CC(=O)Oc1ccccc1C(=O)O',
  model: { id: 'esol', version: '1.0.0', title: 'Aqueous solubility (ESOL)' },
  prediction: { kind: 'regression', value: -1.414, units: 'log mol/L', reading: 'soluble' },
  date: '2026-01-01T00:00:00.000Z',
};
