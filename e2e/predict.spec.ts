// A chemist's single prediction, encrypted end to end in a real Chromium, against the plaintext `chemveil predict`.
import { expect, test } from './fixtures/test.ts';
import { chemveilPredict } from './fixtures/reference.ts';

const ASPIRIN = 'CC(=O)Oc1ccccc1C(=O)O';
const PROPRANOLOL_HCL = '[Cl].CC(C)NCC(O)COc1cccc2ccccc12';

test('paste → predict: the encrypted value equals chemveil predict, keys made once and reused', async ({
  app,
  audit,
  page,
}) => {
  audit.watch(ASPIRIN, PROPRANOLOL_HCL);
  const reference = chemveilPredict('esol', `smiles\n${ASPIRIN}\n${PROPRANOLOL_HCL}\n`);
  await app.open();
  await app.chooseModel('esol');
  await expect(page.getByTestId('model-card')).toContainText('log mol/L');
  await expect(page.getByTestId('model-privacy')).toContainText('only masked intermediate values (32-bit masks)');
  // Choosing the model opens its session ahead of Predict: public keys up, no ciphertext yet.
  await expect(app.privacyPanel().locator('[data-kind="public-keys"]')).toHaveCount(1);
  await expect(app.privacyPanel().locator('[data-kind="ciphertext"]')).toHaveCount(0);

  await test.step('first prediction: featurize, keys, encrypt, partitions, refresh, decrypt', async () => {
    const value = await app.predict(ASPIRIN);
    expect(Math.abs(value - reference[0]!.prediction!)).toBeLessThanOrEqual(1e-3);
    await expect(page.getByTestId('prediction-reading')).toContainText('log mol/L');
    await expect(page.getByRole('list', { name: 'Progress' }).getByRole('listitem')).not.toHaveCount(0);
    await expect(page.getByRole('list', { name: 'Progress' })).toContainText('generated in');
  });

  await test.step('privacy panel: one key upload, ciphertexts, and the key fingerprint', async () => {
    const panel = app.privacyPanel();
    await expect(panel.locator('[data-kind="public-keys"]')).toHaveCount(1);
    await expect(panel.locator('[data-kind="ciphertext"]').first()).toBeVisible();
    await expect(panel.getByTestId('key-fingerprint')).toContainText(/[0-9a-f]{24}/);
  });

  await test.step('second prediction (a salt) reuses the keys and the session', async () => {
    const value = await app.predict(PROPRANOLOL_HCL);
    expect(Math.abs(value - reference[1]!.prediction!)).toBeLessThanOrEqual(1e-3);
    await expect(page.getByRole('list', { name: 'Progress' })).toContainText('reused');
    await expect(app.privacyPanel().locator('[data-kind="public-keys"]')).toHaveCount(1);
  });
  await page.screenshot({ path: '/tmp/chemveil-predict-result.png', fullPage: true });
  await app.privacyPanel().screenshot({ path: '/tmp/chemveil-privacy-panel.png' });
});

test('a classifier shows the probability and the class, equal to chemveil predict', async ({ app, audit, page }) => {
  const smiles = 'Cn1cnc2c1c(=O)n(C)c(=O)n2C';
  audit.watch(smiles);
  const [reference] = chemveilPredict('osm-series4', `smiles\n${smiles}\n`);
  await app.open();
  await app.chooseModel('osm-series4');
  await expect(page.getByTestId('model-card')).toContainText('ROC AUC');
  await expect(page.getByTestId('model-card').getByRole('img', { name: /ROC curve/ })).toBeVisible();
  await page.getByTestId('model-card').screenshot({ path: '/tmp/chemveil-model-card.png' });
  const value = await app.predict(smiles);
  expect(Math.abs(value - reference!.prediction!)).toBeLessThanOrEqual(1e-3);
  await expect(page.getByTestId('prediction-label')).toContainText(reference!.fields.class!);
});

test('an invalid SMILES shows RDKit’s message and cannot be predicted', async ({ app, audit }) => {
  audit.watch('CC(C');
  await app.open();
  await app.molecule.enter('CC(C');
  await expect(app.molecule.status()).toHaveText(/SMILES Parse Error: extra open parentheses/);
  await expect(app.predictButton()).toBeDisabled();
  await expect(app.predictionStatus()).toHaveText(/Enter a valid molecule/);
});

test('the structure editor and the text field stay in sync', async ({ app, page }) => {
  await app.open();
  await app.molecule.enter(ASPIRIN);
  await page.getByRole('button', { name: 'Draw structure' }).click();
  // OCL's editor: a toolbar canvas, then the drawing canvas (which now shows aspirin, from the text field).
  const canvas = page.getByTestId('structure-editor').locator('canvas').last();
  await expect(canvas).toBeVisible();
  await test.step('draw a bond with the default bond tool: the text field follows', async () => {
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width - 80, box.y + box.height - 60);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width - 40, box.y + box.height - 40, { steps: 5 });
    await page.mouse.up();
    await expect(app.molecule.input()).toHaveValue(/^CC\.|\.CC$/);
    await expect(app.molecule.status()).toHaveText(/Valid molecule: 15 atoms/);
  });
  await page.getByTestId('structure-editor').screenshot({ path: '/tmp/chemveil-editor.png' });
});
