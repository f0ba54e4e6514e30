// Share links: the result in the URL fragment (never sent), open and passphrase-sealed, a preview of what a link
// reveals before it is opened, the passphrase strength meter, the fragment cap, re-verification encrypted.
import { expect, test } from './fixtures/test.ts';
import type { AppPage } from './pages/app-page.ts';

const CAFFEINE = 'Cn1cnc2c1c(=O)n(C)c(=O)n2C';

/** The recipient's page before they open the link: its protection and contents, none of its content. */
async function expectPreview(page: AppPage['page'], protection: 'open' | 'sealed') {
  const preview = page.getByTestId('share-preview');
  await expect(preview).toHaveAttribute('data-protection', protection);
  await expect(page.getByTestId('share-preview-protection')).toHaveText(
    protection === 'open' ? /^None: readable by anyone who has this link/ : /^Protected with a passphrase/,
  );
  await expect(page.getByTestId('share-preview-contents')).toHaveText(
    /^A chemical structure \(SMILES or molfile\), the model it was run through \(name and version\), the model’s prediction and the date/,
  );
  await expect(page.getByTestId('shared-molecule')).toHaveCount(0);
  await expect(page.getByTestId('prediction-value')).toHaveCount(0);
  expect(await page.locator('body').innerText()).not.toContain(CAFFEINE);
}

test('a share link shows what it holds first, then reproduces the result and re-verifies it', async ({
  app,
  audit,
  browser,
}) => {
  audit.watch(CAFFEINE);
  await app.open();
  await app.chooseModel('esol');
  await app.predict(CAFFEINE);
  const value = (await app.predictionValue().textContent())!;
  await expect(app.page.getByTestId('share-open-warning')).toHaveText(
    /^Without a passphrase, anyone who has the link can read the structure and the prediction: they are base64 text/,
  );
  await app.page.getByTestId('share-button').click();
  await expect(app.page.getByText('Link (readable by anyone who has it)')).toBeVisible();
  const url = await app.page.getByTestId('share-url').inputValue();
  expect(url).toMatch(/#share=[A-Za-z0-9_-]+$/);
  expect(url.split('#')[0]).not.toContain('Cn1');
  // "Readable by anyone": the structure is right there in the base64.
  expect(Buffer.from(url.split('#share=')[1]!, 'base64url').toString('utf8')).toContain(CAFFEINE);

  // Someone else: a fresh browser context (no history, no keys), also audited.
  const context = await browser.newContext();
  audit.attach(context);
  const page = await context.newPage();
  await page.goto(url);
  await test.step('the preview says what the link holds and how it is protected', () => expectPreview(page, 'open'));
  await page.screenshot({ path: '/tmp/chemveil-share-preview.png', fullPage: true });
  await page.getByTestId('share-reveal').click();
  await expect(page.getByTestId('share-preview')).toHaveCount(0);
  await expect(page.getByTestId('shared-molecule')).toHaveText(CAFFEINE);
  await expect(page.getByTestId('shared-model')).toContainText('v');
  await expect(page.getByTestId('prediction-value')).toHaveText(value);
  await page.getByTestId('verify-button').click();
  await expect(page.getByTestId('verify-status')).toHaveAttribute('data-status', 'match', { timeout: 45_000 });
  await expect(page.getByTestId('verify-status')).toHaveText(/Verified/);
  await page.screenshot({ path: '/tmp/chemveil-shared-view.png', fullPage: true });
  await context.close();
});

test('a sealed link: weak passphrases refused, strength shown, the passphrase needed to open it', async ({
  app,
  audit,
  browser,
  page,
}) => {
  audit.watch(CAFFEINE);
  const strengthChunk: string[] = [];
  page.on('request', (request) => {
    if (/passphrase-strength-[\w-]+\.js$/.test(request.url())) strengthChunk.push(request.url());
  });
  await app.open();
  await app.chooseModel('esol');
  await app.predict(CAFFEINE);
  const value = (await app.predictionValue().textContent())!;
  const passphrase = page.getByTestId('share-passphrase');
  const strength = page.getByTestId('passphrase-strength');
  const create = page.getByTestId('share-button');

  await test.step('zxcvbn loads only when a passphrase is typed', async () => {
    expect(strengthChunk).toEqual([]);
    await passphrase.fill('password1');
    await expect(strength).toHaveAttribute('data-verdict', 'too-weak');
    expect(strengthChunk).toHaveLength(1);
  });

  await test.step('weak passphrases cannot seal a link', async () => {
    await expect(page.getByTestId('passphrase-strength-label')).toHaveText('Too weak.');
    await expect(strength).toContainText(/could guess this in under a minute on one graphics card/);
    await expect(strength.locator('meter')).toHaveAttribute('value', /^[01]$/);
    await expect(create).toBeDisabled();
    await page.screenshot({ path: '/tmp/chemveil-share-weak-passphrase.png', fullPage: true });
    await passphrase.fill(CAFFEINE); // the link's own molecule: known to whoever has the link
    await expect(strength).toHaveAttribute('data-verdict', 'too-weak');
    await expect(create).toBeDisabled();
  });

  await test.step('a strong passphrase shows as strong and seals the link', async () => {
    await passphrase.fill('correct horse battery staple');
    await expect(strength).toHaveAttribute('data-verdict', 'strong');
    await expect(strength.locator('meter')).toHaveAttribute('value', '4');
    await expect(page.getByTestId('passphrase-strength-label')).toHaveText('Strong.');
    await expect(create).toBeEnabled();
    await create.click();
  });
  await expect(page.getByText('Link (needs the passphrase)')).toBeVisible();
  const url = await page.getByTestId('share-url').inputValue();
  expect(url).toMatch(/#sealed=[A-Za-z0-9_-]+$/);
  expect(Buffer.from(url.split('#sealed=')[1]!, 'base64url').toString('latin1')).not.toContain('Cn1');
  expect(strengthChunk).toHaveLength(1);

  const context = await browser.newContext();
  audit.attach(context);
  const other = await context.newPage();
  await other.goto(url);
  await test.step('the preview says the link is sealed', () => expectPreview(other, 'sealed'));
  await other.getByTestId('unlock-passphrase').fill('wrong');
  await other.getByTestId('unlock-button').click();
  await expect(other.getByTestId('unlock-error')).toHaveText(/Wrong passphrase/);
  await expect(other.getByTestId('prediction-value')).toHaveCount(0);
  await other.getByTestId('unlock-passphrase').fill('correct horse battery staple');
  await other.getByTestId('unlock-button').click();
  await expect(other.getByTestId('prediction-value')).toHaveText(value);
  await expect(other.getByTestId('shared-molecule')).toHaveText(CAFFEINE);
  await context.close();
});

test('a damaged link says so', async ({ app, page }) => {
  await app.open('/#share=not-a-link');
  await expect(page.getByTestId('shared-view').getByRole('alert')).toHaveText(/damaged/);
  await expect(page.getByTestId('share-preview')).toHaveCount(0);
});

test('an oversized link is refused before it is read, open or sealed', async ({ app, page }) => {
  // 70,000 characters of valid base64url: it would decode, but the cap (65,536) answers first.
  await app.open(`/#share=${'A'.repeat(70_000)}`);
  await expect(page.getByTestId('shared-view').getByRole('alert')).toHaveText(
    'This link is too large to open (70,006 characters after #; ChemVeil links hold at most 65,536). Nothing in it was read.',
  );
  await expect(page.getByTestId('share-preview')).toHaveCount(0);
  await app.open(`/#sealed=${'A'.repeat(70_000)}`);
  await expect(page.getByTestId('shared-view').getByRole('alert')).toHaveText(/^This link is too large to open \(70,007 characters/); // prettier-ignore
  await expect(page.getByTestId('unlock-passphrase')).toHaveCount(0);
});
