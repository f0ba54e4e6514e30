import { useId, useState } from 'react';
import { useShareStore } from '../../store/share-store.ts';
import { DISPLAY_DECIMALS, formatNumber, plainReading } from '../predict/format.ts';
import { ResultView, StepList } from '../predict/PredictPanel.tsx';

/**
 * A result someone shared: first a preview of what the link holds and how it is protected, then, on the
 * recipient's click (or passphrase), its content; optionally re-verified encrypted.
 */
export function SharedView() {
  const id = useId();
  const { status, protection, result, error, verification, reveal, unlock, verify, close } = useShareStore();
  const [passphrase, setPassphrase] = useState('');
  return (
    <section className="panel" aria-labelledby={`${id}-title`} data-testid="shared-view">
      <div className="panel-title">
        <h2 id={`${id}-title`}>Shared prediction</h2>
        <button type="button" className="secondary" onClick={close}>
          Make my own prediction
        </button>
      </div>
      {status === 'error' && (
        <p className="status status-invalid" role="alert">
          {error}
        </p>
      )}
      {(status === 'preview' || status === 'unlocking') && protection && (
        <div data-testid="share-preview" data-protection={protection}>
          <p>Someone shared a ChemVeil prediction with you. Before you open it, here is what the link holds.</p>
          <dl className="facts">
            <dt>Protection</dt>
            <dd data-testid="share-preview-protection">
              {protection === 'sealed'
                ? 'Protected with a passphrase: the content is encrypted (AES-GCM-256), and only someone who knows the passphrase can read it.'
                : 'None: readable by anyone who has this link. The content is base64 text inside the link, not encrypted.'}
            </dd>
            <dt>Contains</dt>
            <dd data-testid="share-preview-contents">
              A chemical structure (SMILES or molfile), the model it was run through (name and version), the model’s
              prediction and the date it was made. No keys, nothing else.
            </dd>
          </dl>
          <p className="muted">
            Opening it shows it on this page only: nothing from the link is sent to a server. Whoever made the link
            chose what it says; “Re-verify encrypted” checks the prediction with your own keys.
          </p>
          {protection === 'open' ? (
            <div className="actions">
              <button type="button" data-testid="share-reveal" onClick={reveal}>
                Show the shared prediction
              </button>
            </div>
          ) : (
            <form
              className="share-row"
              onSubmit={(event) => {
                event.preventDefault();
                void unlock(passphrase);
              }}
            >
              <label htmlFor={`${id}-pass`}>Passphrase (ask the person who sent the link)</label>
              <input
                id={`${id}-pass`}
                data-testid="unlock-passphrase"
                type="password"
                value={passphrase}
                onChange={(event) => setPassphrase(event.target.value)}
              />
              <button type="submit" data-testid="unlock-button" disabled={status === 'unlocking'}>
                {status === 'unlocking' ? 'Unlocking…' : 'Unlock and show'}
              </button>
              {error && (
                <p className="status status-invalid" role="alert" data-testid="unlock-error">
                  {error}
                </p>
              )}
            </form>
          )}
        </div>
      )}
      {status === 'open' && result && (
        <>
          <dl className="facts">
            <dt>Molecule</dt>
            <dd data-testid="shared-molecule">
              <code>{result.molecule}</code>
            </dd>
            <dt>Model</dt>
            <dd data-testid="shared-model">
              {result.model.title} v{result.model.version ?? '—'}
            </dd>
            <dt>Prediction</dt>
            <dd>
              <span data-testid="prediction-value">{result.prediction.value.toFixed(DISPLAY_DECIMALS)}</span>
              {result.prediction.kind === 'regression' && result.prediction.units && ` ${result.prediction.units}`}
              {result.prediction.kind === 'classification' && ` = P(${result.prediction.positiveClass})`}
              <div className="result-reading">{plainReading(result.prediction)}</div>
            </dd>
            <dt>Date</dt>
            <dd data-testid="shared-date">{new Date(result.date).toLocaleString()}</dd>
          </dl>
          <div className="actions">
            <button
              type="button"
              data-testid="verify-button"
              disabled={verification.status === 'running'}
              onClick={() => void verify()}
            >
              Re-verify encrypted
            </button>
            <span className="muted">
              Runs the molecule through the model again with this browser’s own keys. Value in the link:{' '}
              {formatNumber(result.prediction.value)}.
            </span>
          </div>
          <p className="status" role="status" data-testid="verify-status" data-status={verification.status}>
            {verification.status === 'running' && 'Verifying…'}
            {(verification.status === 'match' ||
              verification.status === 'differs' ||
              verification.status === 'error') &&
              verification.message}
          </p>
          {verification.status === 'running' && <StepList steps={verification.steps} running />}
          {(verification.status === 'match' || verification.status === 'differs') && (
            <ResultView outcome={verification.outcome} />
          )}
        </>
      )}
    </section>
  );
}
