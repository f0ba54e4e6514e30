import { useId } from 'react';
import { usePrivacyStore } from '../../store/privacy-store.ts';
import { formatBytes, formatMs } from '../predict/format.ts';

const KIND_LABEL = { metadata: 'metadata', 'public-keys': 'public keys', ciphertext: 'ciphertexts' } as const;

/** What left this browser, live: every request to the model server, its size and what it carried. */
export function PrivacyPanel() {
  const id = useId();
  const { requests, fingerprints, totals } = usePrivacyStore();
  return (
    <aside className="panel privacy" aria-labelledby={`${id}-title`} data-testid="privacy-panel">
      <h2 id={`${id}-title`}>What left this browser</h2>
      <p className="muted">
        Never sent: your molecule (SMILES or drawing), its features, the secret key, decrypted values. Sent: public
        evaluation keys (once per model and session) and ciphertexts.
      </p>
      <dl className="totals">
        <dt>Requests</dt>
        <dd data-testid="privacy-requests">{totals.requests}</dd>
        <dt>Public keys</dt>
        <dd>{formatBytes(totals.publicKeyBytes)}</dd>
        <dt>Ciphertexts</dt>
        <dd>{formatBytes(totals.ciphertextBytes)}</dd>
      </dl>
      <h3>Key fingerprints</h3>
      {fingerprints.length === 0 ? (
        <p className="muted">No keys yet: they are generated on the first prediction.</p>
      ) : (
        <ul className="fingerprints" data-testid="key-fingerprint">
          {fingerprints.map((f) => (
            <li key={f.fingerprint}>
              <span>{f.model}</span> <code title={f.fingerprint}>{f.fingerprint.slice(0, 24)}…</code>
            </li>
          ))}
        </ul>
      )}
      <h3>Requests</h3>
      {requests.length === 0 ? (
        <p className="muted">Nothing yet.</p>
      ) : (
        <ol className="requests" aria-label="Requests, newest first" data-testid="privacy-log">
          {requests.map((r) => (
            <li key={r.id} className={`request request-${r.kind}`} data-kind={r.kind}>
              <span className="request-head">
                <span className="request-kind">{KIND_LABEL[r.kind]}</span>
                <span className="request-size">
                  ↑ {formatBytes(r.bytesSent)} ↓ {formatBytes(r.bytesReceived)}
                </span>
              </span>
              <span className="request-path">
                {r.method} {r.path}
              </span>
              <span className="request-meta muted">
                {r.status} · {formatMs(r.durationMs)}
                {r.ciphertexts !== undefined && ` · ${r.ciphertexts} ct`}
              </span>
            </li>
          ))}
        </ol>
      )}
    </aside>
  );
}
