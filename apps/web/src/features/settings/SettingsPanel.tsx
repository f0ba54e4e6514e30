import { useId, useState } from 'react';
import { useModelsStore } from '../../store/models-store.ts';
import { useSettingsStore } from '../../store/settings-store.ts';

/** Which ChemVeil server to use: this page's own by default, or any remote one that allows this origin (CORS). */
export function SettingsPanel() {
  const id = useId();
  const { serverUrl, isDefaultServer, setServerUrl, resetServerUrl } = useSettingsStore();
  const load = useModelsStore((s) => s.load);
  const [text, setText] = useState(serverUrl);
  const [problem, setProblem] = useState<string | undefined>();
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Settings</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!setServerUrl(text)) {
            setProblem('Enter an http:// or https:// address, e.g. https://chemveil.example.org');
            return;
          }
          setProblem(undefined);
          void load();
        }}
      >
        <label htmlFor={`${id}-url`}>Model server</label>
        <div className="share-row">
          <input
            id={`${id}-url`}
            data-testid="server-url"
            type="url"
            value={text}
            onChange={(event) => setText(event.target.value)}
            aria-invalid={problem !== undefined}
            aria-describedby={`${id}-help`}
          />
          <button type="submit" data-testid="server-save">
            Use this server
          </button>
          {!isDefaultServer && (
            <button
              type="button"
              className="secondary"
              onClick={() => {
                resetServerUrl();
                setText(useSettingsStore.getState().serverUrl);
                void load();
              }}
            >
              Use this page’s server
            </button>
          )}
        </div>
        <p id={`${id}-help`} className={problem ? 'status status-invalid' : 'muted'}>
          {problem ??
            'The server only ever receives public evaluation keys and ciphertexts. A remote server must allow this page’s origin (CORS).'}
        </p>
      </form>
    </section>
  );
}
