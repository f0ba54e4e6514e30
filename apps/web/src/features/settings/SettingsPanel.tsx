import { useId, useState } from 'react';
import { useHistoryStore } from '../../store/history-store.ts';
import { useModelsStore } from '../../store/models-store.ts';
import { useSettingsStore } from '../../store/settings-store.ts';

/** Which ChemVeil server to use (this page's own by default, or any remote one that allows this origin), and history. */
export function SettingsPanel() {
  return (
    <>
      <ServerSettings />
      <HistorySettings />
    </>
  );
}

/** Whether predictions are kept in this browser (unencrypted localStorage), and clearing what is there. */
function HistorySettings() {
  const id = useId();
  const { keep, entries, setKeep, clear } = useHistoryStore();
  const n = entries.length;
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>History</h2>
      <label className="switch">
        <input
          type="checkbox"
          role="switch"
          data-testid="history-keep"
          checked={keep}
          onChange={(event) => setKeep(event.target.checked)}
          aria-describedby={`${id}-help`}
        />
        Keep a history of my predictions in this browser
      </label>
      <p id={`${id}-help`} className="muted">
        History is stored <strong>unencrypted</strong> in this browser’s local storage: anyone who can use this browser
        profile, or an extension allowed on this site, can read its structures and predictions. It is never sent
        anywhere. When history is off, nothing new is written.
      </p>
      {entries.length > 0 && (
        <div className="share-row" data-testid="history-clear-offer">
          <p role="status">
            {keep
              ? `${n} ${n === 1 ? 'prediction is' : 'predictions are'} stored in this browser.`
              : `History is off, but ${n} earlier ${n === 1 ? 'prediction is' : 'predictions are'} still stored in this browser.`}
          </p>
          <button type="button" className="secondary" data-testid="settings-clear-history" onClick={clear}>
            {keep ? 'Clear history' : 'Clear them now'}
          </button>
        </div>
      )}
    </section>
  );
}

function ServerSettings() {
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
      <TokenSettings />
    </section>
  );
}

/** The API token a server with accounts asks for; stored in this browser, sent only to the model server. */
function TokenSettings() {
  const id = useId();
  const { apiToken, setApiToken } = useSettingsStore();
  const load = useModelsStore((s) => s.load);
  const [text, setText] = useState(apiToken ?? '');
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        setApiToken(text);
        void load();
      }}
    >
      <label htmlFor={`${id}-token`}>API token (only if your server requires one)</label>
      <div className="share-row">
        <input
          id={`${id}-token`}
          data-testid="api-token"
          type="password"
          autoComplete="off"
          value={text}
          onChange={(event) => setText(event.target.value)}
          aria-describedby={`${id}-token-help`}
        />
        <button type="submit" data-testid="api-token-save">
          {text.trim() ? 'Use this token' : 'Use no token'}
        </button>
      </div>
      <p id={`${id}-token-help`} className="muted">
        {apiToken
          ? 'A token is set: it goes with every request to the model server, and is kept in this browser until you clear it.'
          : 'No token: fine for servers without accounts.'}
      </p>
    </form>
  );
}
