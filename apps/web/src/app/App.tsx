import { MoleculePanel } from '../features/molecule/MoleculePanel.tsx';

export function App() {
  return (
    <>
      <header className="app-header">
        <h1>ChemVeil</h1>
        <p className="tagline">Property predictions for your molecules, computed on data you never reveal.</p>
      </header>
      <main className="app-main">
        <MoleculePanel />
      </main>
    </>
  );
}
