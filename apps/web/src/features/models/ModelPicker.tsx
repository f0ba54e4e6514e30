import { useId } from 'react';
import type { ModelSummary } from '@chemveil/core';
import { selectedModel, useModelsStore } from '../../store/models-store.ts';
import { useSettingsStore } from '../../store/settings-store.ts';
import { formatBytes } from '../predict/format.ts';
import { ParityPlot, RocCurve } from './charts.tsx';

const METRIC_NAMES: Record<string, string> = {
  rmse: 'RMSE',
  mae: 'MAE',
  r2: 'R²',
  rocAuc: 'ROC AUC',
  prAuc: 'PR AUC',
  accuracy: 'accuracy',
};

function metricText(value: ModelSummary['metrics'][string]): string {
  return typeof value === 'number' ? value.toFixed(3) : `${value.mean.toFixed(3)} ± ${value.sd.toFixed(3)}`;
}

/** The owner's side of privacy: what this browser can learn about the model from the values it decrypts. */
function ModelPrivacy({ model }: { model: ModelSummary }) {
  const partitions = model.plan.partitions.length;
  if (partitions === 1) return <>The model runs in one pass: this browser decrypts only the prediction.</>;
  const blinding = model.plan.blinding;
  if (!blinding)
    return (
      <>
        Between its {partitions} passes this browser decrypts the model’s intermediate values unmasked (this server
        does not blind them); they stay here and are never sent.
      </>
    );
  return (
    <>
      Between its {partitions} passes this browser decrypts only masked intermediate values ({blinding.maskBits}-bit
      masks): the model’s weights stay private to its owner too.
    </>
  );
}

/** One model's card: what it predicts, from what data, how well, and what encryption costs and hides. */
export function ModelCardView({ model }: { model: ModelSummary }) {
  const card = model.card;
  const parameters = model.plan.parameters;
  return (
    <article className="model-card" aria-label={`Model card: ${model.title}`} data-testid="model-card">
      <h3>
        {model.title} <span className="muted">v{model.version ?? '—'}</span>
      </h3>
      {model.description && <p>{model.description}</p>}
      <p>
        <strong>Predicts:</strong>{' '}
        {model.task === 'regression'
          ? `a value in ${model.units ?? 'model units'}`
          : `the probability of “${model.classes?.[1] ?? 'positive'}” (vs “${model.classes?.[0] ?? 'negative'}”)`}
      </p>
      <div className="card-body">
        <div>
          {card?.trainingData && (
            <p>
              <strong>Trained on:</strong> {card.trainingData.name}, {card.trainingData.molecules} molecules (
              {card.trainingData.source}; {card.trainingData.licence}). Split: {card.trainingData.split}.
            </p>
          )}
          <p>
            <strong>Accuracy on held-out molecules:</strong>{' '}
            {Object.entries(model.metrics)
              .map(([name, value]) => `${METRIC_NAMES[name] ?? name} ${metricText(value)}`)
              .join(', ')}
            {card?.metrics && Object.values(card.metrics)[0] && (
              <span className="muted"> (mean ± sd over {Object.values(card.metrics)[0]!.seeds} trainings)</span>
            )}
          </p>
          {card?.encryptedVsPlainMaxError !== undefined && (
            <p className="muted">
              Encrypted predictions differ from plaintext by at most {card.encryptedVsPlainMaxError.toExponential(1)}.
            </p>
          )}
          <p>
            <strong>Privacy:</strong> CKKS, N = {parameters.polyModulusDegree}, 128-bit security,{' '}
            {model.plan.partitions.length} partition{model.plan.partitions.length > 1 ? 's' : ''}; public evaluation
            keys {formatBytes(model.limits.evaluationKeyBytes)} (uploaded once per
            session). The server sees only those keys and ciphertexts — never your molecule, its features or the
            result.
          </p>
          <p className="muted" data-testid="model-privacy">
            <ModelPrivacy model={model} />
          </p>
          {card?.limitations.length ? (
            <p className="muted">
              <strong>Limitations:</strong> {card.limitations.join(' ')}
            </p>
          ) : null}
        </div>
        {card?.testSet &&
          (model.task === 'regression' ? (
            <ParityPlot truth={card.testSet.truth} predicted={card.testSet.predicted} units={model.units} />
          ) : (
            <RocCurve truth={card.testSet.truth} scores={card.testSet.predicted} />
          ))}
      </div>
    </article>
  );
}

/** Choose a model; its card says what it predicts and how far to trust it. */
export function ModelPicker() {
  const state = useModelsStore();
  const serverUrl = useSettingsStore((s) => s.serverUrl);
  const id = useId();
  const model = selectedModel(state);
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Model</h2>
      {state.status === 'error' && (
        <div className="status status-invalid" role="alert">
          {state.error}{' '}
          <button type="button" className="secondary" onClick={() => void state.load()}>
            Retry
          </button>
        </div>
      )}
      {state.status === 'loading' && <p className="muted">Loading models from {serverUrl}…</p>}
      <label htmlFor={id}>Property to predict</label>
      <select
        id={id}
        data-testid="model-select"
        value={state.selectedId ?? ''}
        disabled={state.models.length === 0}
        onChange={(event) => state.select(event.target.value)}
      >
        {state.models.length === 0 && <option value="">No models yet</option>}
        {state.models.map((m) => (
          <option key={m.id} value={m.id}>
            {m.title}
            {m.task === 'regression' && m.units ? ` (${m.units})` : ''}
          </option>
        ))}
      </select>
      {state.models.length > 1 && (
        <div className="model-grid" role="radiogroup" aria-label="Models">
          {state.models.map((m) => {
            const [name, value] = Object.entries(m.metrics)[0] ?? [];
            return (
              <button
                key={m.id}
                type="button"
                role="radio"
                aria-checked={m.id === state.selectedId}
                className={`model-chip${m.id === state.selectedId ? ' model-chip-selected' : ''}`}
                onClick={() => state.select(m.id)}
              >
                <strong>{m.title}</strong>
                <span className="muted">
                  {m.task === 'regression' ? (m.units ?? 'regression') : `${m.classes?.[1] ?? 'positive'} or not`}
                </span>
                {name && value !== undefined && (
                  <span className="muted">
                    {METRIC_NAMES[name] ?? name} {metricText(value)}
                  </span>
                )}
              </button>
            );
          })}
        </div>
      )}
      {model && <ModelCardView model={model} />}
    </section>
  );
}
