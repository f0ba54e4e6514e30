import { useId, useState } from 'react';
import { selectedModel, useModelsStore } from '../../store/models-store.ts';
import { useMoleculeStore } from '../../store/molecule-store.ts';
import { usePredictionStore, type PredictionOutcome, type Step } from '../../store/prediction-store.ts';
import { ShareBox } from '../share/ShareBox.tsx';
import { DISPLAY_DECIMALS, formatMs, formatNumber, plainReading } from './format.ts';

/** The steps of an encrypted prediction with their timings; the first unfinished one is the current one. */
export function StepList({ steps, running }: { steps: Step[]; running: boolean }) {
  const current = running ? steps.findIndex((s) => s.ms === undefined) : -1;
  return (
    <ol className="steps" aria-label="Progress">
      {steps.map((step, i) => {
        const state = step.ms !== undefined ? 'done' : i === current ? 'running' : 'pending';
        return (
          <li key={step.id} className={`step step-${state}`} aria-current={state === 'running' ? 'step' : undefined}>
            <span className="step-mark" aria-hidden="true">
              {state === 'done' ? '✓' : state === 'running' ? '…' : '·'}
            </span>
            <span className="step-label">
              {step.label}
              {step.note && <span className="muted"> — {step.note}</span>}
            </span>
            <span className="step-time">{step.ms !== undefined ? formatMs(step.ms) : ''}</span>
          </li>
        );
      })}
    </ol>
  );
}

/** The number, its units or class, and what it means. */
export function ResultView({ outcome, stale }: { outcome: PredictionOutcome; stale?: boolean }) {
  const { result } = outcome;
  const shown = result.prediction;
  return (
    <div className={`result${stale ? ' result-stale' : ''}`} data-testid="prediction-result">
      <p className="result-value">
        {shown.kind === 'classification' && <span className="result-caption">P({shown.positiveClass}) = </span>}
        <span data-testid="prediction-value">{shown.value.toFixed(DISPLAY_DECIMALS)}</span>
        {shown.kind === 'regression' && shown.units && <span className="result-units"> {shown.units}</span>}
      </p>
      {shown.kind === 'classification' && (
        <p>
          Predicted class: <strong data-testid="prediction-label">{shown.label}</strong>
        </p>
      )}
      <p className="result-reading" data-testid="prediction-reading">
        {plainReading(shown)}
      </p>
      <p className="muted">
        {result.model.title} v{result.model.version ?? '—'} · {new Date(result.date).toLocaleString()} · total{' '}
        {formatMs(outcome.totalMs)}
        {stale && ' · for the previous molecule'}
      </p>
      {outcome.modelNote && <p className="status status-note">{outcome.modelNote}</p>}
      <p className="muted">
        Key fingerprint <code title={outcome.fingerprint}>{outcome.fingerprint.slice(0, 16)}…</code> (SHA-256 of this
        session’s public key). Value {formatNumber(shown.value)} was decrypted in this browser only.
      </p>
    </div>
  );
}

export function PredictPanel() {
  const id = useId();
  const { status, steps, outcome, error, predictedInput, predict, cancel } = usePredictionStore();
  const moleculeStatus = useMoleculeStore((s) => s.status);
  const input = useMoleculeStore((s) => s.input);
  const model = useModelsStore(selectedModel);
  const [showSteps, setShowSteps] = useState(true);
  const ready = moleculeStatus === 'valid' && model !== undefined;
  const running = status === 'running';
  const current = steps.find((s) => s.ms === undefined);
  const statusText = running
    ? `Running: ${current?.label ?? 'finishing'}…`
    : status === 'done'
      ? 'Done: the prediction was computed on encrypted data.'
      : status === 'error'
        ? error
        : !model
          ? 'Choose a model.'
          : moleculeStatus !== 'valid'
            ? 'Enter a valid molecule to predict.'
            : 'Ready. Your molecule is encrypted in this browser before anything is sent.';
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Encrypted prediction</h2>
      <div className="actions">
        <button
          type="button"
          className="primary"
          data-testid="predict-button"
          disabled={!ready || running}
          onClick={() => void predict()}
        >
          {running ? 'Predicting…' : 'Predict (encrypted)'}
        </button>
        {running && (
          <button type="button" className="secondary" onClick={cancel}>
            Cancel
          </button>
        )}
        {steps.length > 0 && (
          <button type="button" className="link" aria-expanded={showSteps} onClick={() => setShowSteps(!showSteps)}>
            {showSteps ? 'Hide steps' : 'Show steps'}
          </button>
        )}
      </div>
      <p
        className={`status ${status === 'error' ? 'status-invalid' : status === 'done' ? 'status-valid' : ''}`}
        data-testid="prediction-status"
        data-status={status}
        role="status"
      >
        {statusText}
      </p>
      {showSteps && steps.length > 0 && <StepList steps={steps} running={running} />}
      {outcome && status !== 'running' && (
        <>
          <ResultView outcome={outcome} stale={predictedInput !== input} />
          <ShareBox outcome={outcome} />
        </>
      )}
    </section>
  );
}
