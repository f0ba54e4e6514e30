/**
 * Real molecules the planner featurizes with each model's own spec to bound its activations (and measure the
 * encrypted error): small and large, aromatic and aliphatic, charged, halogenated, salts. Changing this list
 * changes plans, so it is versioned (the plan cache keys on the version).
 */
export const SAMPLE_MOLECULES_VERSION = 1;

export const SAMPLE_MOLECULES: readonly string[] = [
  'CCO', // ethanol
  'c1ccccc1', // benzene
  'CC(=O)Oc1ccccc1C(=O)O', // aspirin
  'Cn1cnc2c1c(=O)n(C)c(=O)n2C', // caffeine
  'CC(C)Cc1ccc(cc1)C(C)C(=O)O', // ibuprofen
  'CC(=O)Nc1ccc(O)cc1', // paracetamol
  'CN1CCC[C@H]1c1cccnc1', // nicotine
  'CC(C)NCC(O)COc1cccc2ccccc12', // propranolol
  'CN(C)C(=N)NC(=N)N', // metformin
  'OC(=O)c1ccccc1O', // salicylic acid
  'Clc1ccc(cc1)C(c1ccc(Cl)cc1)C(Cl)(Cl)Cl', // DDT
  'CC(C)(C)NCC(O)c1ccc(O)c(CO)c1', // salbutamol
  'CC12CCC3C(CCC4=CC(=O)CCC34C)C1CCC2O', // testosterone
  'CC(C)c1c(C(=O)Nc2ccccc2)c(-c2ccccc2)c(-c2ccc(F)cc2)n1CCC(O)CC(O)CC(=O)O', // atorvastatin
  'COc1ccc2[nH]cc(CCNC(C)=O)c2c1', // melatonin
  'O=C(O)CC(O)(CC(=O)O)C(=O)O', // citric acid
  'CCN(CC)CCNC(=O)c1ccc(N)cc1', // procainamide
  'Nc1ccc(cc1)S(=O)(=O)Nc1ccccn1', // sulfapyridine
  'OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O', // glucose
  'CCCCCCCCCCCCCCCC(=O)O', // palmitic acid
  'FC(F)(F)c1ccc(Oc2ccc(cc2)[N+](=O)[O-])cc1', // a nitro diaryl ether
  'CC(C)NCC(O)COc1ccc(CC(N)=O)cc1.Cl', // atenolol hydrochloride
  'c1ccc2c(c1)ccc1ccccc12', // phenanthrene
  'CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21', // diazepam
  'CC(=O)OCC(=O)C1(O)CCC2C3CCC4=CC(=O)C=CC4(C)C3C(O)CC21C', // prednisolone acetate
  'Brc1ccc(Br)cc1', // 1,4-dibromobenzene
  'NCCc1c[nH]c2ccc(O)cc12', // serotonin
  'CCOC(=O)C1=C(C)NC(C)=C(C(=O)OC)C1c1cccc(c1)[N+](=O)[O-]', // nitrendipine
  'OC(=O)CCCc1ccc(N(CCCl)CCCl)cc1', // chlorambucil
  'C1CCC(CC1)NC1CCCCC1', // dicyclohexylamine
  'O=C1NC(=O)C(N1)(c1ccccc1)c1ccccc1', // phenytoin
  'CSCCC(N)C(=O)O', // methionine
];
