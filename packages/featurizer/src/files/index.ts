import type { MoleculeErrorInfo } from '../errors.ts';
import { parseCsv } from './csv.ts';

export * from './csv.ts';

export type MoleculeFileFormat = 'csv' | 'smi' | 'sdf';

/** One molecule-bearing entry of a file: a CSV data row, a SMI line or an SDF record. */
export interface MoleculeRecord {
  /** 1-based index among the file's records (what "row 12" means in messages and outputs). */
  row: number;
  /** 1-based line of the file where the record starts. */
  line: number;
  /** SMILES, or a molfile block for SDF. */
  molecule: string;
  /** Name: SMI's second field, SDF's title line, or a CSV "name"/"id" column. */
  name?: string;
  /** The record's own columns (CSV) or data fields (SDF), carried through to outputs. */
  fields: Record<string, string>;
  /** Set when the record itself is malformed; it is still reported, never dropped. */
  error?: MoleculeErrorInfo;
}

export interface MoleculeFile {
  format: MoleculeFileFormat;
  /** Output column order: the CSV header, or the SDF fields / SMI name columns seen. */
  columns: string[];
  /** The column the molecules were read from. */
  moleculeColumn: string;
  records: MoleculeRecord[];
}

export type MoleculeFileErrorCode = 'EMPTY_FILE' | 'FILE_TOO_LARGE' | 'NO_SMILES_COLUMN' | 'UNKNOWN_COLUMN';

export class MoleculeFileError extends Error {
  override name = 'MoleculeFileError';
  constructor(
    readonly code: MoleculeFileErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Upload limit for files of molecules (the web app and the CLI both enforce it). */
export const MAX_MOLECULE_FILE_BYTES = 50 * 1024 * 1024;

const SMILES_COLUMN_NAMES = ['smiles', 'canonical_smiles', 'canonicalsmiles', 'smi', 'smiles_string', 'molecule'];
const NAME_COLUMN_NAMES = ['name', 'id', 'compound id', 'compound_id', 'cmpd_chemblid', 'osm', 'mol_id', 'title'];

/** Finds the SMILES column: the exact name given, else a known name (case-insensitive), else one containing "smiles". */
export function findSmilesColumn(header: string[], wanted?: string): number {
  const normalized = header.map((h) => h.trim().toLowerCase());
  if (wanted !== undefined) {
    const index =
      header.indexOf(wanted) >= 0 ? header.indexOf(wanted) : normalized.indexOf(wanted.trim().toLowerCase());
    if (index < 0) {
      throw new MoleculeFileError('UNKNOWN_COLUMN', `No column "${wanted}"; the columns are: ${header.join(', ')}`);
    }
    return index;
  }
  for (const name of SMILES_COLUMN_NAMES) {
    const index = normalized.indexOf(name);
    if (index >= 0) return index;
  }
  const fuzzy = normalized.findIndex((h) => h.includes('smiles'));
  if (fuzzy >= 0) return fuzzy;
  throw new MoleculeFileError(
    'NO_SMILES_COLUMN',
    `No SMILES column found (looked for a column named ${SMILES_COLUMN_NAMES.join(', ')} or containing "smiles"); ` +
      `the columns are: ${header.join(', ')}. Name the column explicitly.`,
  );
}

export function readCsvMolecules(text: string, smilesColumn?: string): MoleculeFile {
  const rows = parseCsv(text);
  if (rows.length === 0) throw new MoleculeFileError('EMPTY_FILE', 'The file is empty: expected a header row');
  const header = rows[0].cells.map((h) => h.trim());
  const column = findSmilesColumn(header, smilesColumn);
  const nameColumn = header.findIndex((h) => NAME_COLUMN_NAMES.includes(h.toLowerCase()));
  const records = rows.slice(1).map(({ line, cells }, i): MoleculeRecord => {
    const fields: Record<string, string> = {};
    header.forEach((h, j) => (fields[h] = cells[j] ?? ''));
    const record: MoleculeRecord = { row: i + 1, line, molecule: (cells[column] ?? '').trim(), fields };
    if (nameColumn >= 0 && cells[nameColumn]) record.name = cells[nameColumn];
    if (cells.length !== header.length) {
      record.error = {
        code: 'MALFORMED_ROW',
        message: `Row has ${cells.length} cells; the header has ${header.length}`,
      };
    }
    return record;
  });
  return { format: 'csv', columns: header, moleculeColumn: header[column], records };
}

/** SMI: one molecule a line, "SMILES [name]"; blank lines and # comments skipped; an optional "smiles" header. */
export function readSmiMolecules(text: string): MoleculeFile {
  const records: MoleculeRecord[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const [molecule, ...rest] = trimmed.split(/\s+/);
    if (records.length === 0 && /^smiles$/i.test(molecule)) return; // header line
    const name = rest.join(' ');
    records.push({
      row: records.length + 1,
      line: i + 1,
      molecule,
      fields: name ? { name } : {},
      ...(name ? { name } : {}),
    });
  });
  const columns = records.some((r) => r.name) ? ['smiles', 'name'] : ['smiles'];
  for (const record of records) record.fields = { smiles: record.molecule, ...record.fields };
  return { format: 'smi', columns, moleculeColumn: 'smiles', records };
}

/** SDF: records end with "$$$$"; each is a molfile block followed by "> <FIELD>" data items. */
export function readSdfMolecules(text: string): MoleculeFile {
  const lines = text.split(/\r?\n/);
  const records: MoleculeRecord[] = [];
  const columns = new Set<string>(['name']);
  let start = 0;
  const flush = (end: number) => {
    const block = lines.slice(start, end);
    if (block.every((l) => l.trim() === '')) return;
    const endIndex = block.findIndex((l) => /^M {2}END/.test(l));
    const molecule = (endIndex >= 0 ? block.slice(0, endIndex + 1) : block).join('\n') + '\n';
    const fields: Record<string, string> = { name: block[0]?.trim() ?? '' };
    for (let i = endIndex + 1; endIndex >= 0 && i < block.length; i++) {
      const field = /^>.*<([^>]+)>/.exec(block[i]);
      if (!field) continue;
      const values: string[] = [];
      while (i + 1 < block.length && block[i + 1].trim() !== '') values.push(block[++i]);
      fields[field[1]] = values.join('\n');
      columns.add(field[1]);
    }
    const record: MoleculeRecord = { row: records.length + 1, line: start + 1, molecule, fields };
    if (fields.name) record.name = fields.name;
    if (endIndex < 0) record.error = { code: 'INVALID_MOLFILE', message: 'SDF record has no "M  END" line' };
    records.push(record);
  };
  lines.forEach((line, i) => {
    if (line.startsWith('$$$$')) {
      flush(i);
      start = i + 1;
    }
  });
  flush(lines.length);
  return { format: 'sdf', columns: [...columns], moleculeColumn: 'molfile', records };
}

/** Format from the file name's extension, else from the content (for stdin). */
export function detectMoleculeFileFormat(text: string, fileName?: string): MoleculeFileFormat {
  const extension = fileName?.toLowerCase().match(/\.([a-z]+)$/)?.[1];
  if (extension === 'csv' || extension === 'tsv') return 'csv';
  if (extension === 'sdf' || extension === 'sd' || extension === 'mol') return 'sdf';
  if (extension === 'smi' || extension === 'smiles' || extension === 'ism') return 'smi';
  if (/^\$\$\$\$/m.test(text) || /^M {2}END/m.test(text)) return 'sdf';
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  // SMILES never contain ',' or ';'; a tab also separates a SMI name, so it means CSV only beside a "smiles" header.
  if (/[,;]/.test(firstLine) || (firstLine.includes('\t') && /smiles/i.test(firstLine))) return 'csv';
  return 'smi';
}

export function readMoleculeFile(
  text: string,
  options: { fileName?: string; format?: MoleculeFileFormat; smilesColumn?: string } = {},
): MoleculeFile {
  if (text.length > MAX_MOLECULE_FILE_BYTES) {
    throw new MoleculeFileError('FILE_TOO_LARGE', `File is over the ${MAX_MOLECULE_FILE_BYTES / 2 ** 20} MiB limit`);
  }
  const format =
    options.format ?? (options.smilesColumn !== undefined ? 'csv' : detectMoleculeFileFormat(text, options.fileName));
  if (text.trim() === '') throw new MoleculeFileError('EMPTY_FILE', 'The file is empty');
  if (format === 'csv') return readCsvMolecules(text, options.smilesColumn);
  if (format === 'sdf') return readSdfMolecules(text);
  return readSmiMolecules(text);
}
