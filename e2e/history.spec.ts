// History: kept in this browser's localStorage (unencrypted, and the UI says so), cleared from the History panel,
// switched off in Settings (nothing new written, the switch remembered, the old entries offered for clearing).
import { expect, test } from './fixtures/test.ts';
import type { AppPage } from './pages/app-page.ts';

const ASPIRIN = 'CC(=O)Oc1ccccc1C(=O)O';
const CAFFEINE = 'Cn1cnc2c1c(=O)n(C)c(=O)n2C';

const storedHistory = (app: AppPage) => app.page.evaluate(() => localStorage.getItem('chemveil.history'));
const historyRows = (app: AppPage) => app.page.getByTestId('history-table').locator('tbody tr');

test('history: kept, cleared, switched off (nothing new written), offered for clearing', async ({ app, audit }) => {
  audit.watch(ASPIRIN, CAFFEINE);
  await app.open();
  await app.chooseModel('esol');

  await test.step('on by default: a prediction is stored, and the History panel clears it', async () => {
    await app.predict(ASPIRIN);
    expect(await storedHistory(app)).toContain(ASPIRIN);
    await app.tab('History');
    await expect(historyRows(app)).toHaveCount(1);
    await expect(historyRows(app).first()).toContainText(ASPIRIN);
    await expect(app.page.getByTestId('history-note')).toHaveText(/^Stored unencrypted in this browser only/);
    await app.page.getByTestId('history-clear').click();
    await expect(app.page.getByText('No predictions yet.')).toBeVisible();
    expect(await storedHistory(app)).toBeNull();
  });

  await test.step('Settings: the switch says what history is and where it lives', async () => {
    await app.tab('Predict');
    await app.predict(CAFFEINE);
    await app.tab('Settings');
    const keep = app.page.getByRole('switch', { name: 'Keep a history of my predictions in this browser' });
    await expect(keep).toBeChecked();
    await expect(app.page.getByText(/History is stored unencrypted in this browser’s local storage/)).toBeVisible();
    await expect(app.page.getByTestId('history-clear-offer')).toContainText('1 prediction is stored in this browser.');
    await keep.uncheck();
    await expect(app.page.getByTestId('history-clear-offer')).toContainText(
      'History is off, but 1 earlier prediction is still stored in this browser.',
    );
    await expect(app.page.getByTestId('settings-clear-history')).toHaveText('Clear them now');
    expect(await app.page.evaluate(() => localStorage.getItem('chemveil.history.keep'))).toBe('off');
  });

  await test.step('off: a new prediction is not written', async () => {
    const before = await storedHistory(app);
    await app.tab('Predict');
    await app.predict(ASPIRIN);
    expect(await storedHistory(app)).toBe(before);
    expect(await storedHistory(app)).not.toContain(ASPIRIN);
    await app.tab('History');
    await expect(historyRows(app)).toHaveCount(1);
    await expect(historyRows(app).first()).toContainText(CAFFEINE);
    await expect(app.page.getByTestId('history-note')).toHaveText(/^History is off \(Settings\)/);
  });

  await test.step('after a reload the switch is still off; clearing removes the rest', async () => {
    await app.open();
    await app.tab('Settings');
    await expect(app.page.getByRole('switch', { name: /Keep a history/ })).not.toBeChecked();
    await app.page.getByTestId('settings-clear-history').click();
    await expect(app.page.getByTestId('history-clear-offer')).toHaveCount(0);
    expect(await storedHistory(app)).toBeNull();
    await app.tab('History');
    await expect(app.page.getByText('No predictions yet.')).toBeVisible();
  });
});
