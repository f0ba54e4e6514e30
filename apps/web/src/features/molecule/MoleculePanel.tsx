import { useId } from 'react';
import { useMoleculeStore } from '../../store/molecule-store.ts';
import { EXAMPLE_MOLECULES } from './examples.ts';

/** Enter a molecule (SMILES or a pasted molfile), see it validated live and drawn as RDKit understood it. */
export function MoleculePanel() {
  const { input, status, result, setInput } = useMoleculeStore();
  const fieldId = useId();
  const statusId = useId();
  return (
    <section className="panel" aria-labelledby={`${fieldId}-title`}>
      <h2 id={`${fieldId}-title`}>Molecule</h2>
      <label htmlFor={fieldId}>SMILES or molfile</label>
      <textarea
        id={fieldId}
        data-testid="molecule-input"
        value={input}
        onChange={(event) => setInput(event.target.value)}
        placeholder="e.g. CC(=O)Oc1ccccc1C(=O)O"
        rows={input.includes('\n') ? 8 : 2}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={status === 'invalid'}
        aria-describedby={statusId}
      />
      <div className="examples" role="group" aria-label="Examples">
        {EXAMPLE_MOLECULES.map((example) => (
          <button key={example.name} type="button" className="chip" onClick={() => setInput(example.smiles)}>
            {example.name}
          </button>
        ))}
      </div>
      <p id={statusId} className={`status status-${status}`} data-testid="molecule-status" role="status">
        {status === 'empty' && 'Type or paste a SMILES string, or pick an example.'}
        {status === 'checking' && 'Checking…'}
        {status === 'valid' && result?.ok && `Valid molecule: ${result.description.numAtoms} atoms`}
        {status === 'invalid' && result && !result.ok && result.error.message}
      </p>
      {result?.ok && (
        <div className="molecule">
          <div
            className="depiction"
            data-testid="molecule-depiction"
            role="img"
            aria-label={`Structure of ${result.description.parent.canonicalSmiles}`}
            dangerouslySetInnerHTML={{ __html: result.svg }}
          />
          <dl className="facts">
            <dt>Canonical SMILES</dt>
            <dd data-testid="canonical-smiles">{result.description.canonicalSmiles}</dd>
            <dt>InChIKey</dt>
            <dd data-testid="inchikey">{result.description.inchiKey}</dd>
            {result.description.parent.removedFragments.length > 0 && (
              <>
                <dt>Model sees</dt>
                <dd data-testid="parent-smiles">
                  {result.description.parent.canonicalSmiles}{' '}
                  <span className="muted">
                    (removed {result.description.parent.removedFragments.join(', ')}: salts and counter-ions are not
                    featurized)
                  </span>
                </dd>
              </>
            )}
            <dt>Morgan r=2, 1024 bits</dt>
            <dd>
              <code className="hex" data-testid="morgan-hex">
                {result.morganR2_1024}
              </code>
            </dd>
          </dl>
        </div>
      )}
    </section>
  );
}
