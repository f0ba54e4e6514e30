import { Component, lazy, Suspense, useId, useMemo, useState, type ReactNode } from 'react';
import { useMoleculeStore } from '../../store/molecule-store.ts';
import { EXAMPLE_MOLECULES } from './examples.ts';
import { MoleculeDepiction } from './MoleculeDepiction.tsx';

const StructureEditor = lazy(() => import('./StructureEditor.tsx'));

/** The editor cannot take every input RDKit accepts; a failure there must not take the page down. */
class EditorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override render() {
    return this.state.failed ? (
      <p className="status status-invalid">The editor could not draw this molecule; the text field still works.</p>
    ) : (
      this.props.children
    );
  }
}

/** What the editor shows: the last input that did not come from the editor itself (never a half-typed one). */
function useEditorValue(): { format: 'smiles' | 'molfile'; text: string } {
  const { input, source, status, result } = useMoleculeStore();
  const [pushed, setPushed] = useState<{ format: 'smiles' | 'molfile'; text: string }>({ format: 'smiles', text: '' });
  const next = useMemo(() => {
    if (source === 'editor') return undefined;
    if (status === 'empty') return { format: 'smiles' as const, text: '' };
    if (status !== 'valid' || !result?.ok) return undefined;
    return input.includes('\n')
      ? { format: 'molfile' as const, text: input }
      : { format: 'smiles' as const, text: result.description.canonicalSmiles };
  }, [input, source, status, result]);
  if (next && (next.text !== pushed.text || next.format !== pushed.format)) setPushed(next);
  return next ?? pushed;
}

/** Enter a molecule (draw it, type or paste SMILES or a molfile, or pick an example), validated live. */
export function MoleculePanel() {
  const { input, status, result, setInput } = useMoleculeStore();
  const [drawing, setDrawing] = useState(false);
  const editorValue = useEditorValue();
  const fieldId = useId();
  const statusId = useId();
  return (
    <section className="panel" aria-labelledby={`${fieldId}-title`}>
      <div className="panel-title">
        <h2 id={`${fieldId}-title`}>Molecule</h2>
        <button type="button" className="secondary" aria-expanded={drawing} onClick={() => setDrawing(!drawing)}>
          {drawing ? 'Hide editor' : 'Draw structure'}
        </button>
      </div>
      {drawing && (
        <EditorBoundary>
          <Suspense fallback={<p className="muted">Loading the structure editor…</p>}>
            <StructureEditor value={editorValue} onChange={(smiles) => setInput(smiles, 'editor')} />
          </Suspense>
        </EditorBoundary>
      )}
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
        <span className="muted">Examples:</span>
        {EXAMPLE_MOLECULES.map((example) => (
          <button key={example.name} type="button" className="chip" onClick={() => setInput(example.smiles, 'example')}>
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
          <MoleculeDepiction svg={result.svg} label={`Structure of ${result.description.parent.canonicalSmiles}`} />
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
              <details>
                <summary>show bits (hex)</summary>
                <code className="hex" data-testid="morgan-hex">
                  {result.morganR2_1024}
                </code>
              </details>
            </dd>
          </dl>
        </div>
      )}
    </section>
  );
}
