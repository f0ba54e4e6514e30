import { useId } from 'react';
import { useHistoryStore } from '../../store/history-store.ts';
import { useMoleculeStore } from '../../store/molecule-store.ts';
import { useModelsStore } from '../../store/models-store.ts';
import { useViewStore } from '../../store/view-store.ts';
import { plainReading } from '../predict/format.ts';

/** This browser's predictions, kept in localStorage only (unencrypted), while the Settings switch is on. */
export function HistoryPanel() {
  const id = useId();
  const { entries, keep, clear } = useHistoryStore();
  const setInput = useMoleculeStore((s) => s.setInput);
  const select = useModelsStore((s) => s.select);
  const show = useViewStore((s) => s.show);
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <div className="panel-title">
        <h2 id={`${id}-title`}>History</h2>
        {entries.length > 0 && (
          <button type="button" className="secondary" data-testid="history-clear" onClick={clear}>
            Clear history
          </button>
        )}
      </div>
      <p className="muted" data-testid="history-note">
        {keep
          ? 'Stored unencrypted in this browser only (anyone using this browser profile can read it); it is never sent anywhere. Turn it off in Settings.'
          : 'History is off (Settings): new predictions are not kept. What is listed here is from before; it stays, unencrypted in this browser, until you clear it.'}
      </p>
      {entries.length === 0 ? (
        <p>No predictions yet.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="history-table">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Molecule</th>
                <th scope="col">Model</th>
                <th scope="col">Prediction</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td>{new Date(entry.date).toLocaleString()}</td>
                  <td className="smiles">{entry.molecule.includes('\n') ? '(molfile)' : entry.molecule}</td>
                  <td>
                    {entry.model.title} v{entry.model.version ?? '—'}
                  </td>
                  <td>{plainReading(entry.prediction)}</td>
                  <td>
                    <button
                      type="button"
                      className="link"
                      onClick={() => {
                        setInput(entry.molecule, 'link');
                        select(entry.model.id);
                        show('predict');
                      }}
                    >
                      Open
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
