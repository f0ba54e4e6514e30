// The one EncryptedInference per server URL, wired to the privacy log. Stores use it; components never do.
import { EncryptedInference } from '../workers/encrypted-inference.ts';
import { usePrivacyStore } from './privacy-store.ts';
import { useSettingsStore } from './settings-store.ts';

let current: EncryptedInference | undefined;

export function inference(): EncryptedInference {
  const { serverUrl, apiToken } = useSettingsStore.getState();
  if (current?.serverUrl !== serverUrl || current.token !== apiToken) {
    current = new EncryptedInference(serverUrl, (event) => usePrivacyStore.getState().record(serverUrl, event), apiToken); // prettier-ignore
  }
  return current;
}
