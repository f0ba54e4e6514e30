import { useId, useState } from 'react';
import type { PredictionOutcome } from '../../store/prediction-store.ts';
import { createShareLink } from '../../store/share-store.ts';

/** Makes a share link for a result; with a passphrase the link's content is encrypted (AES-GCM, PBKDF2 key). */
export function ShareBox({ outcome }: { outcome: PredictionOutcome }) {
  const id = useId();
  const [passphrase, setPassphrase] = useState('');
  const [link, setLink] = useState<{ url: string; sealed: boolean; for: PredictionOutcome } | undefined>();
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);
  const current = link?.for === outcome ? link : undefined;
  return (
    <div className="share" role="group" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Share this result</h3>
      <p className="muted">
        Everything is in the link’s fragment (after #), which browsers never send to a server. Add a passphrase when the
        link travels over an untrusted channel.
      </p>
      <div className="share-row">
        <label htmlFor={`${id}-pass`}>Passphrase (optional)</label>
        <input
          id={`${id}-pass`}
          data-testid="share-passphrase"
          type="password"
          autoComplete="new-password"
          value={passphrase}
          onChange={(event) => setPassphrase(event.target.value)}
        />
        <button
          type="button"
          data-testid="share-button"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setCopied(false);
            try {
              setLink({ url: await createShareLink(outcome.result, passphrase), sealed: passphrase !== '', for: outcome }); // prettier-ignore
            } finally {
              setBusy(false);
            }
          }}
        >
          {busy ? 'Sealing…' : 'Create link'}
        </button>
      </div>
      {current && (
        <div className="share-row">
          <label htmlFor={`${id}-url`}>{current.sealed ? 'Link (needs the passphrase)' : 'Link'}</label>
          <input
            id={`${id}-url`}
            data-testid="share-url"
            readOnly
            value={current.url}
            onFocus={(e) => e.target.select()}
          />
          <button
            type="button"
            className="secondary"
            onClick={() =>
              void navigator.clipboard?.writeText(current.url).then(
                () => setCopied(true),
                () => undefined,
              )
            }
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
        </div>
      )}
    </div>
  );
}
