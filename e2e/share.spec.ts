// Share links: the result in the URL fragment (never sent), open and passphrase-sealed, re-verified encrypted.
import { expect, test } from './fixtures/test.ts';
import type { AppPage } from './pages/app-page.ts';

const CAFFEINE = 'Cn1cnc2c1c(=O)n(C)c(=O)n2C';

async function predictAndShare(app: AppPage, passphrase?: string): Promise<{ url: string; value: string }> {
  await app.open();
  await app.chooseModel('esol');
  await app.predict(CAFFEINE);
  const value = (await app.predictionValue().textContent())!;
  if (passphrase) await app.page.getByTestId('share-passphrase').fill(passphrase);
  await app.page.getByTestId('share-button').click();
  const url = await app.page.getByTestId('share-url').inputValue();
  return { url, value };
}

test('a share link reproduces the result and re-verifies it encrypted', async ({ app, audit, browser }) => {
  audit.watch(CAFFEINE);
  const { url, value } = await predictAndShare(app);
  expect(url).toMatch(/#share=[A-Za-z0-9_-]+$/);
  expect(url.split('#')[0]).not.toContain('Cn1');

  // Someone else: a fresh browser context (no history, no keys), also audited.
  const context = await browser.newContext();
  audit.attach(context);
  const page = await context.newPage();
  await page.goto(url);
  await expect(page.getByTestId('shared-molecule')).toHaveText(CAFFEINE);
  await expect(page.getByTestId('shared-model')).toContainText('v');
  await expect(page.getByTestId('prediction-value')).toHaveText(value);
  await page.getByTestId('verify-button').click();
  await expect(page.getByTestId('verify-status')).toHaveAttribute('data-status', 'match', { timeout: 45_000 });
  await expect(page.getByTestId('verify-status')).toHaveText(/Verified/);
  await page.screenshot({ path: '/tmp/chemveil-shared-view.png', fullPage: true });
  await context.close();
});

test('a passphrase-sealed link needs the passphrase', async ({ app, audit, browser }) => {
  audit.watch(CAFFEINE);
  const { url, value } = await predictAndShare(app, 'correct horse battery staple');
  expect(url).toMatch(/#sealed=[A-Za-z0-9_-]+$/);
  expect(Buffer.from(url.split('#sealed=')[1]!, 'base64url').toString('latin1')).not.toContain('Cn1');

  const context = await browser.newContext();
  audit.attach(context);
  const page = await context.newPage();
  await page.goto(url);
  await expect(page.getByTestId('prediction-value')).toHaveCount(0);
  await page.getByTestId('unlock-passphrase').fill('wrong');
  await page.getByTestId('unlock-button').click();
  await expect(page.getByTestId('unlock-error')).toHaveText(/Wrong passphrase/);
  await page.getByTestId('unlock-passphrase').fill('correct horse battery staple');
  await page.getByTestId('unlock-button').click();
  await expect(page.getByTestId('prediction-value')).toHaveText(value);
  await expect(page.getByTestId('shared-molecule')).toHaveText(CAFFEINE);
  await context.close();
});

test('a damaged link says so', async ({ app, page }) => {
  await app.open('/#share=not-a-link');
  await expect(page.getByTestId('shared-view').getByRole('alert')).toHaveText(/damaged/);
});
