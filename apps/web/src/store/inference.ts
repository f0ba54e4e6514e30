// The one EncryptedInference per server URL, wired to the privacy log. Stores use it; components never do.
import { EncryptedInference } from '../workers/encrypted-inference.ts';
import { usePrivacyStore } from './privacy-store.ts';
import { useSettingsStore } from './settings-store.ts';

let current: EncryptedInference | undefined;

export function inference(): EncryptedInference {
  const serverUrl = useSettingsStore.getState().serverUrl;
  if (current?.serverUrl !== serverUrl) {
    current = new EncryptedInference(serverUrl, (event) => usePrivacyStore.getState().record(serverUrl, event));
  }
  return current;
}
