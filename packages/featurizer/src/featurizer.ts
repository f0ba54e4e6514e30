import { featureLength, type FeaturizerSpec, type Standardization } from '@chemveil/core';
import { MoleculeError, moleculeErrorFromLog } from './errors.ts';
import type { RDKitLog, RDKitModule, RDKitMol } from './rdkit.ts';
import { murckoFrameworkMolblock } from './scaffold.ts';
import { extractParentFragment } from './standardize.ts';

/** Longest SMILES or molfile we accept: far beyond any drug-like molecule, small enough to never stall a worker. */
export const MAX_SMILES_LENGTH = 5_000;
export const MAX_MOLFILE_LENGTH = 1_000_000;

export interface MoleculeDescription {
  /** Canonical SMILES of the molecule as parsed (all fragments). */
  canonicalSmiles: string;
  inchiKey: string;
  /** Atoms in the parsed graph (implicit hydrogens not counted; isotopic and charged H are), as RDKit's GetNumAtoms. */
  numAtoms: number;
  /** The molecule models see, after the standardization rule; equal to the parsed one for single fragments. */
  parent: { canonicalSmiles: string; numAtoms: number; removedFragments: string[] };
}

export interface DepictionOptions {
  width?: number;
  height?: number;
}

const looksLikeMolfile = (input: string): boolean => input.includes('\n') && /M {2}END|V2000|V3000/.test(input);

/**
 * RDKit-backed featurizer: validation, standardization, descriptions, depictions and model input vectors. The same
 * code runs in Node and in a browser worker; only the way the RDKit module is loaded differs (see node.ts and the
 * web app's featurizer worker). Every RDKit object it creates is deleted before a method returns.
 */
export class Featurizer {
  private readonly log: RDKitLog | null;

  constructor(
    readonly rdkit: RDKitModule,
    private readonly memory?: WebAssembly.Memory,
  ) {
    // Capture RDKit's log so parse errors come back to the caller instead of going to stderr / the console.
    this.log = rdkit.set_log_capture('rdApp.*');
  }

  /** Size of RDKit's WASM heap: it grows when molecules leak and never shrinks, so tests and benches watch it. */
  heapBytes(): number {
    return this.memory?.buffer.byteLength ?? Number.NaN;
  }

  get rdkitVersion(): string {
    return this.rdkit.version();
  }

  /** Parses SMILES or a molfile; calls `use` with the molecule (standardized if asked) and frees it afterwards. */
  withMolecule<T>(
    input: string,
    standardize: Standardization,
    use: (mol: RDKitMol, removedFragments: string[], parsed: RDKitMol) => T,
  ): T {
    const mol = this.parse(input);
    let parent: RDKitMol | null = null;
    try {
      let removed: string[] = [];
      // A SMILES without '.' is one fragment: skip the split, it is the hot path of batch featurization.
      if (standardize === 'largest-organic-fragment' && (looksLikeMolfile(input) || input.includes('.'))) {
        const split = extractParentFragment(this.rdkit, mol);
        if (split) {
          parent = split.parent;
          removed = split.removed;
        }
      }
      return use(parent ?? mol, removed, mol);
    } finally {
      parent?.delete();
      mol.delete();
    }
  }

  /** Parses and validates; the caller owns (deletes) the returned molecule. Throws MoleculeError. */
  parse(rawInput: string): RDKitMol {
    const isMolfile = looksLikeMolfile(rawInput);
    const input = isMolfile ? rawInput : rawInput.trim();
    if (input.trim() === '') throw new MoleculeError('EMPTY_INPUT', 'No molecule given: the input is empty');
    const limit = isMolfile ? MAX_MOLFILE_LENGTH : MAX_SMILES_LENGTH;
    if (input.length > limit) {
      throw new MoleculeError('INPUT_TOO_LARGE', `Input is ${input.length} characters; the limit is ${limit}`);
    }
    this.log?.clear_buffer();
    let mol: RDKitMol | null;
    try {
      mol = this.rdkit.get_mol(input);
    } catch {
      // RDKit signals some failures with a WebAssembly exception rather than a null molecule.
      mol = null;
    }
    const code = isMolfile ? 'INVALID_MOLFILE' : 'INVALID_SMILES';
    if (!mol || !mol.is_valid()) {
      mol?.delete();
      throw moleculeErrorFromLog(code, this.log?.get_buffer() ?? '');
    }
    // get_mol('') and header-only molfiles give a valid molecule with no atoms: not a molecule to predict on.
    if (mol.get_num_atoms() === 0) {
      mol.delete();
      throw new MoleculeError('NO_ATOMS', 'The input describes a molecule with no atoms');
    }
    return mol;
  }

  describe(input: string, standardize: Standardization = 'largest-organic-fragment'): MoleculeDescription {
    return this.withMolecule(input, standardize, (parent, removed, parsed) => {
      const inchi = parsed.get_inchi();
      return {
        canonicalSmiles: parsed.get_smiles(),
        inchiKey: inchi ? this.rdkit.get_inchikey_for_inchi(inchi) : '',
        numAtoms: parsed.get_num_atoms(),
        parent: {
          canonicalSmiles: parent === parsed ? parsed.get_smiles() : parent.get_smiles(),
          numAtoms: parent.get_num_atoms(),
          removedFragments: removed,
        },
      };
    });
  }

  /** SVG depiction of the standardized molecule (what the model sees), with stereo annotations. */
  depict(input: string, options: DepictionOptions = {}, standardize: Standardization = 'none'): string {
    const details = JSON.stringify({
      width: options.width ?? 320,
      height: options.height ?? 240,
      addStereoAnnotation: true,
      clearBackground: false,
    });
    return this.withMolecule(input, standardize, (mol) => mol.get_svg_with_highlights(details));
  }

  /** Morgan bit vector packed as RDKit and Python do: bit i is bit (i % 8) of byte ⌊i / 8⌋. */
  morganBits(input: string, radius: number, nBits: number, standardize: Standardization = 'none'): Uint8Array {
    return this.withMolecule(input, standardize, (mol) => this.morganOf(mol, radius, nBits));
  }

  /** The model input vector the spec describes: bits as 0/1, then clamped z-scored descriptors, zero-padded. */
  featurize(input: string, spec: FeaturizerSpec): Float32Array {
    return this.withMolecule(input, spec.standardize, (mol) => this.featuresOf(mol, spec));
  }

  featuresOf(mol: RDKitMol, spec: FeaturizerSpec): Float32Array {
    const features = new Float32Array(featureLength(spec));
    const bits = this.morganOf(mol, spec.radius, spec.nBits);
    for (let i = 0; i < spec.nBits; i++) features[i] = (bits[i >> 3] >> (i & 7)) & 1;
    if (spec.descriptors) {
      const all = JSON.parse(mol.get_descriptors()) as Record<string, number>;
      const { names, mean, std, clip } = spec.descriptors;
      names.forEach((name, j) => {
        const value = all[name];
        if (value === undefined) throw new MoleculeError('RDKIT_FAILURE', `RDKit has no descriptor "${name}"`);
        const z = (value - mean[j]) / std[j];
        features[spec.nBits + j] = Number.isFinite(z) ? Math.max(-clip, Math.min(clip, z)) : 0;
      });
    }
    return features;
  }

  /** All RDKit descriptors of the standardized molecule (for fitting descriptor normalization in training). */
  descriptors(input: string, standardize: Standardization = 'largest-organic-fragment'): Record<string, number> {
    return this.withMolecule(input, standardize, (mol) => JSON.parse(mol.get_descriptors()) as Record<string, number>);
  }

  /**
   * Bemis–Murcko scaffold (ring systems + linkers, side chains pruned) of the standardized molecule as canonical
   * SMILES; '' for acyclic molecules. Groups molecules for scaffold splits.
   */
  scaffold(input: string, standardize: Standardization = 'largest-organic-fragment'): string {
    return this.withMolecule(input, standardize, (mol) => {
      const framework = murckoFrameworkMolblock(mol);
      if (framework === null) return '';
      const scaffold = this.rdkit.get_mol(framework);
      try {
        return scaffold?.is_valid() ? scaffold.get_smiles() : framework;
      } finally {
        scaffold?.delete();
      }
    });
  }

  private morganOf(mol: RDKitMol, radius: number, nBits: number): Uint8Array {
    const bytes = mol.get_morgan_fp_as_uint8array(JSON.stringify({ radius, nBits })) as Uint8Array;
    return new Uint8Array(bytes); // copy out of the WASM heap view
  }
}

export function bitsToHex(bits: Uint8Array): string {
  let hex = '';
  for (const byte of bits) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
