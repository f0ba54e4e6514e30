import { useId, useState } from 'react';
import { useShareStore } from '../../store/share-store.ts';
import { DISPLAY_DECIMALS, formatNumber, plainReading } from '../predict/format.ts';
import { ResultView, StepList } from '../predict/PredictPanel.tsx';

/** A result someone shared: read from the link's fragment, optionally unlocked, optionally re-verified encrypted. */
export function SharedView() {
  const id = useId();
  const { status, result, error, verification, unlock, verify, close } = useShareStore();
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
      {(status === 'locked' || status === 'unlocking') && (
        <form
          className="share-row"
          onSubmit={(event) => {
            event.preventDefault();
            void unlock(passphrase);
          }}
        >
          <p>This link is protected with a passphrase. Ask the person who sent it.</p>
          <label htmlFor={`${id}-pass`}>Passphrase</label>
          <input
            id={`${id}-pass`}
            data-testid="unlock-passphrase"
            type="password"
            autoFocus
            value={passphrase}
            onChange={(event) => setPassphrase(event.target.value)}
          />
          <button type="submit" data-testid="unlock-button" disabled={status === 'unlocking'}>
            {status === 'unlocking' ? 'Unlocking…' : 'Unlock'}
          </button>
          {error && (
            <p className="status status-invalid" role="alert" data-testid="unlock-error">
              {error}
            </p>
          )}
        </form>
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
