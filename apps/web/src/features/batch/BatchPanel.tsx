import { useId, useMemo, useState } from 'react';
import { batchCsv, sortedRows, useBatchStore, type BatchRow, type SortKey } from '../../store/batch-store.ts';
import { selectedModel, useModelsStore } from '../../store/models-store.ts';
import { DISPLAY_DECIMALS, formatMs } from '../predict/format.ts';

const MAX_TABLE_ROWS = 1000;

function Histogram({ values, label }: { values: number[]; label: string }) {
  const bins = 20;
  if (values.length === 0) return null;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const width = (hi - lo) / bins || 1;
  const counts = new Array<number>(bins).fill(0);
  values.forEach((v) => counts[Math.min(bins - 1, Math.floor((v - lo) / width))]!++);
  const top = Math.max(...counts);
  return (
    <figure className="histogram">
      <svg viewBox="0 0 400 130" role="img" aria-label={`Histogram of ${values.length} predictions (${label})`}>
        {counts.map((c, i) => (
          <rect key={i} x={10 + i * 19} y={110 - (c / top) * 100} width={17} height={(c / top) * 100} className="bar">
            <title>{`${(lo + i * width).toFixed(2)} – ${(lo + (i + 1) * width).toFixed(2)}: ${c}`}</title>
          </rect>
        ))}
        <text x={10} y={125} className="chart-tick">
          {lo.toFixed(2)}
        </text>
        <text x={390} y={125} textAnchor="end" className="chart-tick">
          {hi.toFixed(2)}
        </text>
      </svg>
      <figcaption className="muted">{label}</figcaption>
    </figure>
  );
}

function statusOf(row: BatchRow): { text: string; invalid: boolean } {
  if (!row.ok) return { text: row.error.message, invalid: true };
  if (row.predictionError) return { text: row.predictionError, invalid: true };
  return { text: row.prediction ? 'predicted' : 'valid', invalid: false };
}

/** Many molecules from a file: per-row validation, encrypted predictions with progress, a table, a download. */
export function BatchPanel() {
  const id = useId();
  const state = useBatchStore();
  const model = useModelsStore(selectedModel);
  const [dragging, setDragging] = useState(false);
  const rows = useMemo(() => sortedRows(state.rows, state.sort), [state.rows, state.sort]);
  const predictions = state.rows.flatMap((r) => (r.prediction ? [r.prediction.value] : []));
  const invalid = state.rows.filter((r) => !r.ok).length;
  const running = state.status === 'running';
  const classifier = state.model?.task === 'classification';
  const download = () => {
    const blob = new Blob([batchCsv(state)], { type: 'text/csv' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${(state.fileName ?? 'molecules').replace(/\.[^.]+$/, '')}.${state.model?.id ?? 'predictions'}.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  const header = (key: SortKey, text: string) => (
    <th scope="col" aria-sort={state.sort.key === key ? (state.sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="link" onClick={() => state.sortBy(key)}>
        {text}
        {state.sort.key === key ? (state.sort.descending ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  );
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Batch</h2>
      <div
        className={`dropzone${dragging ? ' dropzone-active' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          const file = event.dataTransfer.files[0];
          if (file) void state.load(file);
        }}
      >
        <label htmlFor={`${id}-file`}>Drop a CSV, SMI or SDF file here, or choose one</label>
        <input
          id={`${id}-file`}
          data-testid="batch-file-input"
          type="file"
          accept=".csv,.tsv,.smi,.smiles,.sdf,.sd,.txt"
          onChange={(event) => {
            const file = event.target.files?.[0];
            if (file) void state.load(file);
          }}
        />
      </div>
      {state.status === 'reading' && <p className="muted">Reading and validating {state.fileName}…</p>}
      {state.error && (
        <p className="status status-invalid" role="alert">
          {state.error}
        </p>
      )}
      {state.rows.length > 0 && (
        <>
          <p data-testid="batch-summary">
            {state.fileName}: {state.rows.length} rows, {state.rows.length - invalid} valid
            {invalid > 0 && `, ${invalid} invalid (listed below with the reason)`}.
          </p>
          <div className="actions">
            <button
              type="button"
              className="primary"
              data-testid="batch-run"
              disabled={!model || running || state.rows.length === invalid}
              onClick={() => model && void state.run(model)}
            >
              Predict all (encrypted){model ? ` with ${model.title}` : ''}
            </button>
            {running && (
              <button type="button" className="secondary" data-testid="batch-cancel" onClick={state.cancel}>
                Cancel
              </button>
            )}
            <button
              type="button"
              data-testid="batch-download"
              disabled={running || !state.model || state.status === 'ready'}
              onClick={download}
            >
              Download CSV
            </button>
          </div>
          {(running || state.status === 'done' || state.status === 'cancelled') && (
            <div className="progress-row">
              <progress
                data-testid="batch-progress"
                max={state.total || 1}
                value={state.done}
                aria-label="Batch progress"
              />
              <span role="status" data-testid="batch-status" data-status={state.status}>
                {state.done} / {state.total}
                {state.status === 'done' && ` done in ${formatMs(state.elapsedMs ?? 0)}`}
                {state.status === 'cancelled' && ' (cancelled)'}
              </span>
            </div>
          )}
          {predictions.length > 1 && (
            <Histogram
              values={predictions}
              label={classifier ? `probability of ${state.model?.classes?.[1] ?? 'positive'}` : (state.model?.units ?? 'prediction')} // prettier-ignore
            />
          )}
          <div className="table-wrap">
            <table data-testid="batch-table">
              <thead>
                <tr>
                  {header('row', 'Row')}
                  {header('name', 'Name')}
                  <th scope="col">Molecule</th>
                  {header('prediction', classifier ? 'Probability' : 'Prediction')}
                  {header('status', 'Status')}
                </tr>
              </thead>
              <tbody>
                {rows.slice(0, MAX_TABLE_ROWS).map((row) => {
                  const status = statusOf(row);
                  return (
                    <tr key={row.row} className={status.invalid ? 'row-invalid' : undefined}>
                      <td>{row.row}</td>
                      <td className="nowrap">{row.name ?? ''}</td>
                      <td className="smiles">{row.ok ? row.canonicalSmiles : row.molecule.split('\n')[0]}</td>
                      <td className="number">
                        {row.prediction
                          ? `${row.prediction.value.toFixed(DISPLAY_DECIMALS)}${row.prediction.label ? ` (${row.prediction.label})` : ''}`
                          : ''}
                      </td>
                      <td className={status.invalid ? 'status-invalid' : undefined}>{status.text}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {rows.length > MAX_TABLE_ROWS && (
              <p className="muted">
                First {MAX_TABLE_ROWS} rows shown; the download has all {rows.length}.
              </p>
            )}
          </div>
        </>
      )}
    </section>
  );
}
