import { create } from 'zustand';

const STORAGE_KEY = 'chemveil.settings';
/** Kept apart from the server URL: "forget the token" must not touch anything else. */
const TOKEN_KEY = 'chemveil.api-token';

const storedToken = (): string | undefined => localStorage.getItem(TOKEN_KEY) ?? undefined;

/** The page's own server by default (`npm start` serves both); any ChemVeil server that allows this origin works. */
const defaultServerUrl = (): string => globalThis.location?.origin ?? 'http://127.0.0.1:8787';

function stored(): { serverUrl?: string } {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as { serverUrl?: string };
  } catch {
    return {};
  }
}

export function normalizeServerUrl(text: string): string | undefined {
  try {
    const url = new URL(text.trim());
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.origin + url.pathname.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}

interface SettingsState {
  serverUrl: string;
  isDefaultServer: boolean;
  /** Returns false (and changes nothing) for a URL that is not http(s). */
  setServerUrl(url: string): boolean;
  resetServerUrl(): void;
  /** API token for servers that require one (CHEMVEIL_TOKENS); sent as a bearer token on every request. */
  apiToken: string | undefined;
  /** An empty text forgets the token. */
  setApiToken(token: string): void;
}

export const useSettingsStore = create<SettingsState>((set) => ({
  serverUrl: stored().serverUrl ?? defaultServerUrl(),
  isDefaultServer: stored().serverUrl === undefined,
  setServerUrl(text) {
    const serverUrl = normalizeServerUrl(text);
    if (!serverUrl) return false;
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ serverUrl }));
    set({ serverUrl, isDefaultServer: false });
    return true;
  },
  resetServerUrl() {
    localStorage.removeItem(STORAGE_KEY);
    set({ serverUrl: defaultServerUrl(), isDefaultServer: true });
  },
  apiToken: storedToken(),
  setApiToken(text) {
    const apiToken = text.trim() || undefined;
    if (apiToken) localStorage.setItem(TOKEN_KEY, apiToken);
    else localStorage.removeItem(TOKEN_KEY);
    set({ apiToken });
  },
}));
