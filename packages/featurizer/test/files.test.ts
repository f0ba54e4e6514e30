import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FEATURIZER_SPEC } from '@chemveil/core';
import {
  detectMoleculeFileFormat,
  featurizeRecords,
  loadFeaturizer,
  MoleculeFileError,
  parseCsv,
  readMoleculeFile,
  toCsv,
  type Featurizer,
} from '@chemveil/featurizer/node';

let featurizer: Featurizer;
beforeAll(async () => {
  featurizer = await loadFeaturizer();
});

describe('CSV', () => {
  it('parses quotes, doubled quotes, embedded separators and CRLF', () => {
    const rows = parseCsv('a,b\r\n"x, y","say ""hi"""\r\n"multi\nline",2\r\n');
    expect(rows).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x, y', 'say "hi"'] },
      { line: 3, cells: ['multi\nline', '2'] },
    ]);
    expect(parseCsv(toCsv(['a', 'b'], [['x, y', 'say "hi"']])).map((r) => r.cells)).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
    ]);
  });

  it('finds the SMILES column by name (BBBP, ESOL and ClinTox headers) and keeps every column', () => {
    const bbbp = readMoleculeFile('num,name,p_np,smiles\n1,Propanolol,1,[Cl].CC(C)NCC(O)COc1cccc2ccccc12\n');
    expect(bbbp.moleculeColumn).toBe('smiles');
    expect(bbbp.records[0]).toMatchObject({ row: 1, line: 2, name: 'Propanolol', fields: { p_np: '1' } });
    expect(readMoleculeFile('Compound ID,measured log solubility,SMILES\nA,-1,CCO\n').moleculeColumn).toBe('SMILES');
    expect(readMoleculeFile('Molecule SMILES;y\nCCO;1\n').moleculeColumn).toBe('Molecule SMILES');
  });

  it('takes an explicit column and names the columns when it is wrong', () => {
    expect(readMoleculeFile('id,structure\n1,CCO\n', { smilesColumn: 'structure' }).records[0].molecule).toBe('CCO');
    const wrong = () => readMoleculeFile('id,structure\n1,CCO\n', { smilesColumn: 'smi' });
    expect(wrong).toThrow(MoleculeFileError);
    expect(wrong).toThrow('No column "smi"; the columns are: id, structure');
    expect(() => readMoleculeFile('id,structure\n1,CCO\n', { format: 'csv' })).toThrow(/No SMILES column found/);
  });

  it('reports malformed rows with their row number instead of dropping them', () => {
    const file = readMoleculeFile('smiles,y\nCCO,1\nCCN,2,extra\n\nc1ccccc1,3\n');
    expect(file.records.map((r) => [r.row, r.line, r.molecule, r.error?.code])).toEqual([
      [1, 2, 'CCO', undefined],
      [2, 3, 'CCN', 'MALFORMED_ROW'],
      [3, 5, 'c1ccccc1', undefined],
    ]);
  });

  it('refuses an empty file', () => {
    expect(() => readMoleculeFile('   \n', { format: 'csv' })).toThrow(/empty/);
  });
});

describe('SMI and SDF', () => {
  it('reads SMILES with names, skipping blank lines, comments and a header', () => {
    const file = readMoleculeFile('smiles name\n# a comment\nCCO ethanol\n\nc1ccccc1 benzene ring\nCC(C\n', {
      fileName: 'x.smi',
    });
    expect(file.records.map((r) => [r.row, r.line, r.molecule, r.name])).toEqual([
      [1, 3, 'CCO', 'ethanol'],
      [2, 5, 'c1ccccc1', 'benzene ring'],
      [3, 6, 'CC(C', undefined],
    ]);
  });

  it('reads SDF records with their data fields, and flags a record without M  END', () => {
    const molblock = featurizer.withMolecule('CCO', 'none', (mol) => mol.get_molblock());
    const sdf = `ethanol${molblock.slice(molblock.indexOf('\n'))}> <logS>\n1.1\n\n$$$$\nbroken\n  junk\n$$$$\n`;
    expect(detectMoleculeFileFormat(sdf)).toBe('sdf');
    const file = readMoleculeFile(sdf);
    expect(file.records).toHaveLength(2);
    expect(file.records[0]).toMatchObject({ row: 1, name: 'ethanol', fields: { logS: '1.1' } });
    expect(featurizer.describe(file.records[0].molecule).canonicalSmiles).toBe('CCO');
    expect(file.records[1].error?.code).toBe('INVALID_MOLFILE');
  });

  it('detects formats from names and content', () => {
    expect(detectMoleculeFileFormat('x', 'a.CSV')).toBe('csv');
    expect(detectMoleculeFileFormat('x', 'a.sdf')).toBe('sdf');
    expect(detectMoleculeFileFormat('smiles,y\nC,1\n')).toBe('csv');
    expect(detectMoleculeFileFormat('CCO ethanol\n')).toBe('smi');
  });
});

describe('featurizing a file', () => {
  it('yields a result or a row-numbered error for every record, in order', () => {
    const file = readMoleculeFile('smiles,y\nCCO,1\nCC(C,2\n,3\n[Na+].[O-]C(=O)C,4\nC1CC,5\n');
    const results = featurizeRecords(featurizer, file.records, DEFAULT_FEATURIZER_SPEC);
    expect(results.map((r) => [r.record.row, r.ok ? r.canonicalSmiles : r.error.code])).toEqual([
      [1, 'CCO'],
      [2, 'INVALID_SMILES'],
      [3, 'EMPTY_INPUT'],
      [4, 'CC(=O)[O-]'],
      [5, 'INVALID_SMILES'],
    ]);
    const last = results[4];
    expect(!last.ok && last.error.message).toMatch(/unclosed ring/);
  });
});
