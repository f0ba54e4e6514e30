import { useEffect, useId, useState } from 'react';
import type { PredictionOutcome } from '../../store/prediction-store.ts';
import { createShareLink } from '../../store/share-store.ts';
import { judgePassphrase, type PassphraseEstimate } from './passphrase-policy.ts';
import type * as PassphraseStrength from './passphrase-strength.ts';

type StrengthModule = typeof PassphraseStrength;
let strengthModule: Promise<StrengthModule> | undefined;
/** zxcvbn and its word lists (~0.5 MB gzipped) load on the first passphrase typed, once. */
const loadStrength = (): Promise<StrengthModule> => {
  strengthModule ??= import('./passphrase-strength.ts').catch((error: unknown) => {
    strengthModule = undefined; // let a later keystroke try again
    throw error;
  });
  return strengthModule;
};

type Strength = { for: string; estimate: PassphraseEstimate } | { for: string; error: string };

/** Makes a share link for a result; with a passphrase the link's content is encrypted (AES-GCM, PBKDF2 key). */
export function ShareBox({ outcome }: { outcome: PredictionOutcome }) {
  const id = useId();
  const [passphrase, setPassphrase] = useState('');
  const [strength, setStrength] = useState<Strength | undefined>();
  const [link, setLink] = useState<{ url: string; sealed: boolean; for: PredictionOutcome } | undefined>();
  const [problem, setProblem] = useState<{ message: string; for: PredictionOutcome } | undefined>();
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);
  const current = link?.for === outcome ? link : undefined;

  useEffect(() => {
    if (!passphrase) return;
    let live = true;
    // Words the link itself gives away (its molecule, its model) count as known to an attacker.
    const context = [outcome.result.molecule, outcome.result.model.id, outcome.result.model.title];
    loadStrength().then(
      (module) => live && setStrength({ for: passphrase, estimate: module.estimatePassphrase(passphrase, context) }),
      () => live && setStrength({ for: passphrase, error: 'The strength check could not load; reload the page.' }),
    );
    return () => {
      live = false;
    };
  }, [passphrase, outcome]);

  const checked = passphrase && strength?.for === passphrase ? strength : undefined;
  const estimate = checked && 'estimate' in checked ? checked.estimate : undefined;
  const judgement = estimate ? judgePassphrase(estimate) : undefined;
  // A passphrase seals a link only once it is known to be strong enough (MIN_PASSPHRASE_SCORE).
  const blocked = passphrase !== '' && !judgement?.allowed;
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
          aria-describedby={`${id}-strength`}
        />
        <button
          type="button"
          data-testid="share-button"
          disabled={busy || blocked}
          onClick={async () => {
            setBusy(true);
            setCopied(false);
            setProblem(undefined);
            try {
              setLink({ url: await createShareLink(outcome.result, passphrase), sealed: passphrase !== '', for: outcome }); // prettier-ignore
            } catch (error) {
              setProblem({ message: error instanceof Error ? error.message : String(error), for: outcome });
            } finally {
              setBusy(false);
            }
          }}
        >
          {busy ? 'Sealing…' : 'Create link'}
        </button>
      </div>
      <div id={`${id}-strength`} aria-live="polite">
        {passphrase === '' ? (
          <p className="status" data-testid="share-open-warning">
            Without a passphrase, anyone who has the link can read the structure and the prediction: they are base64
            text in the link, not encrypted.
          </p>
        ) : checked && 'error' in checked ? (
          <p className="status status-invalid" data-testid="passphrase-strength" data-verdict="unknown">
            {checked.error}
          </p>
        ) : !estimate || !judgement ? (
          <p className="status muted" data-testid="passphrase-strength" data-verdict="checking">
            Checking the passphrase’s strength…
          </p>
        ) : (
          <div className="strength" data-testid="passphrase-strength" data-verdict={judgement.verdict}>
            <meter
              min={0}
              max={4}
              low={2.5}
              high={3.5}
              optimum={4}
              value={estimate.score}
              aria-label="Passphrase strength"
            />
            <p className={`status ${judgement.allowed ? '' : 'status-invalid'}`}>
              <strong data-testid="passphrase-strength-label">{judgement.label}.</strong> {judgement.message}
              {estimate.warning && ` ${estimate.warning}`}
            </p>
          </div>
        )}
      </div>
      {problem?.for === outcome && (
        <p className="status status-invalid" role="alert" data-testid="share-error">
          {problem.message}
        </p>
      )}
      {current && (
        <div className="share-row">
          <label htmlFor={`${id}-url`}>
            {current.sealed ? 'Link (needs the passphrase)' : 'Link (readable by anyone who has it)'}
          </label>
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
