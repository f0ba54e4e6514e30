/** Why a molecule was refused. Codes are stable: the CLI, the worker and the web app show and test them. */
export type MoleculeErrorCode =
  | 'EMPTY_INPUT'
  | 'INPUT_TOO_LARGE'
  | 'INVALID_SMILES'
  | 'INVALID_MOLFILE'
  | 'NO_ATOMS'
  | 'MALFORMED_ROW'
  | 'RDKIT_FAILURE';

/** Plain-data form of a molecule error: what crosses a worker boundary or goes into a JSON line. */
export interface MoleculeErrorInfo {
  code: MoleculeErrorCode;
  message: string;
  /** 1-based character position RDKit pointed at, for SMILES parse errors. */
  position?: number;
}

export class MoleculeError extends Error {
  override name = 'MoleculeError';
  constructor(
    readonly code: MoleculeErrorCode,
    message: string,
    readonly position?: number,
  ) {
    super(message);
  }

  toInfo(): MoleculeErrorInfo {
    return {
      code: this.code,
      message: this.message,
      ...(this.position !== undefined ? { position: this.position } : {}),
    };
  }
}

/** Lines RDKit wrote while failing: "[06:27:15] SMILES Parse Error: …" -> "SMILES Parse Error: …". */
function logLines(log: string): string[] {
  return log
    .split('\n')
    .map((line) => line.replace(/^\[\d\d:\d\d:\d\d\]\s?/, '').trimEnd())
    .filter((line) => line.trim() !== '');
}

/**
 * Turns RDKit's captured log into one readable sentence. RDKit prints the cause, then an echo of the input with a
 * `~~^` pointer, then a generic "Failed parsing" line; we keep the cause and the position.
 */
export function moleculeErrorFromLog(code: 'INVALID_SMILES' | 'INVALID_MOLFILE', log: string): MoleculeError {
  const lines = logLines(log);
  let position: number | undefined;
  const causes: string[] = [];
  for (const line of lines) {
    const at = /check for mistakes around position (\d+)/.exec(line);
    if (at) {
      position = Number(at[1]);
      continue;
    }
    if (/^\s*~*\^\s*$/.test(line) || /Failed parsing SMILES/.test(line)) continue;
    if (!/error|kekulize|valence|explicit|ring|parse|bond|atom|aromatic|invalid|unclosed|unknown/i.test(line)) continue;
    if (!causes.includes(line)) causes.push(line);
  }
  const fallback =
    code === 'INVALID_SMILES'
      ? 'SMILES Parse Error: RDKit could not read this SMILES'
      : 'RDKit could not read this molfile';
  let message = causes.length > 0 ? causes.join('; ') : fallback;
  if (position !== undefined) message += ` (at position ${position})`;
  return new MoleculeError(code, message, position);
}
