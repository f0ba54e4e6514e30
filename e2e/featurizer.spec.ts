// The featurizer in a real browser: RDKit WASM in a module worker, the same answers as in Node.
import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures/test.ts';
import { MoleculePage } from './pages/molecule-page.ts';

const references = readFileSync(
  new URL('../packages/featurizer/test/fixtures/reference.jsonl', import.meta.url),
  'utf8',
)
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { input: string; valid: boolean; morgan_r2_1024_hex?: string })
  .filter((r) => r.valid);

test('validates live, draws the molecule and shows its canonical form', async ({ page }) => {
  const wasmResponses: { file: string; type: string }[] = [];
  page.on('response', (response) => {
    const file = new URL(response.url()).pathname.split('/').pop()!;
    if (file.endsWith('.wasm')) wasmResponses.push({ file, type: response.headers()['content-type'] ?? '' });
  });
  const molecule = new MoleculePage(page);
  await molecule.open();
  await test.step('type a salt form', async () => {
    await molecule.enter('[Cl].CC(C)NCC(O)COc1cccc2ccccc12');
    await expect(molecule.status()).toHaveText(/Valid molecule: 20 atoms/);
    await expect(page.getByTestId('parent-smiles')).toContainText('CC(C)NCC(O)COc1cccc2ccccc12');
    await expect(molecule.depiction()).toHaveAttribute('src', /^data:image\/svg\+xml;/);
    await expect(molecule.depiction()).toBeVisible();
  });
  // RDKit's WASM (and SEAL's, fetched when keys are prepared for the chosen model) streams as application/wasm.
  expect(wasmResponses.filter((r) => r.file.startsWith('RDKit_minimal'))).toHaveLength(1);
  for (const response of wasmResponses) expect(response.type).toBe('application/wasm');
  await test.step('pick an example', async () => {
    await page.getByRole('button', { name: 'Aspirin' }).click();
    await expect(molecule.canonicalSmiles()).toHaveText('CC(=O)Oc1ccccc1C(=O)O');
    await expect(page.getByTestId('inchikey')).toHaveText('BSYNRYMUTXBXSQ-UHFFFAOYSA-N');
  });
});

test("shows RDKit's own message for an invalid SMILES", async ({ page }) => {
  const molecule = new MoleculePage(page);
  await molecule.open();
  await molecule.enter('CC(C');
  await expect(molecule.status()).toHaveText(
    'SMILES Parse Error: extra open parentheses while parsing: CC(C (at position 3)',
  );
  await expect(molecule.input()).toHaveAttribute('aria-invalid', 'true');
  await molecule.enter('');
  await expect(molecule.status()).toHaveText(/Type or paste a SMILES/);
});

test('computes the same Morgan bits in the browser worker as the Python RDKit', async ({ page }) => {
  const molecule = new MoleculePage(page);
  await molecule.open();
  for (const reference of references.slice(0, 12)) {
    await molecule.enter(reference.input);
    await expect(molecule.morganHex()).toHaveText(reference.morgan_r2_1024_hex!);
  }
});
