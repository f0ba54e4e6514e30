/** Example molecules a chemist can pick to try the app. */
export const EXAMPLE_MOLECULES = [
  { name: 'Aspirin', smiles: 'CC(=O)Oc1ccccc1C(=O)O' },
  { name: 'Caffeine', smiles: 'Cn1cnc2c1c(=O)n(C)c(=O)n2C' },
  { name: 'Propranolol HCl', smiles: '[Cl].CC(C)NCC(O)COc1cccc2ccccc12' },
  { name: 'Ibuprofen', smiles: 'CC(C)Cc1ccc(cc1)[C@@H](C)C(=O)O' },
] as const;
