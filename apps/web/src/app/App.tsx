import { useEffect } from 'react';
import { BatchPanel } from '../features/batch/BatchPanel.tsx';
import { HistoryPanel } from '../features/history/HistoryPanel.tsx';
import { ModelPicker } from '../features/models/ModelPicker.tsx';
import { MoleculePanel } from '../features/molecule/MoleculePanel.tsx';
import { PredictPanel } from '../features/predict/PredictPanel.tsx';
import { PrivacyPanel } from '../features/privacy/PrivacyPanel.tsx';
import { SettingsPanel } from '../features/settings/SettingsPanel.tsx';
import { SharedView } from '../features/share/SharedView.tsx';
import { useModelsStore } from '../store/models-store.ts';
import { useSettingsStore } from '../store/settings-store.ts';
import { useShareStore } from '../store/share-store.ts';
import { useViewStore, type View } from '../store/view-store.ts';

const TABS: { view: View; label: string }[] = [
  { view: 'predict', label: 'Predict' },
  { view: 'batch', label: 'Batch' },
  { view: 'history', label: 'History' },
  { view: 'settings', label: 'Settings' },
];

export function App() {
  const { view, show } = useViewStore();
  const serverUrl = useSettingsStore((s) => s.serverUrl);
  const loadModels = useModelsStore((s) => s.load);
  const openFromHash = useShareStore((s) => s.openFromHash);

  useEffect(() => void loadModels(), [loadModels, serverUrl]);
  useEffect(() => {
    const open = () => void openFromHash(location.hash);
    open();
    window.addEventListener('hashchange', open);
    return () => window.removeEventListener('hashchange', open);
  }, [openFromHash]);

  return (
    <>
      <header className="app-header">
        <div>
          <h1>ChemVeil</h1>
          <p className="tagline">
            Property predictions for your molecules, computed on encrypted data: your structure never leaves this
            browser.
          </p>
        </div>
        <nav aria-label="Sections">
          {TABS.map((tab) => (
            <button
              key={tab.view}
              type="button"
              className={`tab${view === tab.view ? ' tab-active' : ''}`}
              aria-current={view === tab.view ? 'page' : undefined}
              onClick={() => show(tab.view)}
            >
              {tab.label}
            </button>
          ))}
        </nav>
      </header>
      <div className="app-layout">
        <main className="app-main">
          {view === 'shared' && <SharedView />}
          {view === 'predict' && (
            <>
              <MoleculePanel />
              <ModelPicker />
              <PredictPanel />
            </>
          )}
          {view === 'batch' && (
            <>
              <ModelPicker />
              <BatchPanel />
            </>
          )}
          {view === 'history' && <HistoryPanel />}
          {view === 'settings' && <SettingsPanel />}
        </main>
        <PrivacyPanel />
      </div>
    </>
  );
}
