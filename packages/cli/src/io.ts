import { readFile } from 'node:fs/promises';
import { MAX_MOLECULE_FILE_BYTES, MoleculeFileError, readMoleculeFile, type MoleculeFile } from '@chemveil/featurizer';
import { stat } from 'node:fs/promises';
import { CliError } from './cli-error.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_MOLECULE_FILE_BYTES)
      throw new CliError(`standard input is over the ${MAX_MOLECULE_FILE_BYTES} byte limit`, 1);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a CSV/SMI/SDF file (or '-' for stdin) into records, with file-level problems as CliErrors. */
export async function readMoleculeInput(path: string, smilesColumn?: string): Promise<MoleculeFile> {
  let text: string;
  if (path === '-') text = await readStdin();
  else {
    try {
      const info = await stat(path);
      if (info.size > MAX_MOLECULE_FILE_BYTES)
        throw new CliError(`${path} is over the ${MAX_MOLECULE_FILE_BYTES} byte limit`, 1);
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 1);
    }
  }
  try {
    return readMoleculeFile(text, { fileName: path === '-' ? undefined : path, smilesColumn });
  } catch (error) {
    if (error instanceof MoleculeFileError) throw new CliError(`${path}: ${error.message}`, 1);
    throw error;
  }
}
