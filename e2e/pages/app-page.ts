import { expect, type Page } from '@playwright/test';
import { MoleculePage } from './molecule-page.ts';

/** Page object for the whole app: molecule entry, model choice, prediction, sharing, batch, privacy panel. */
export class AppPage {
  readonly molecule: MoleculePage;
  constructor(readonly page: Page) {
    this.molecule = new MoleculePage(page);
  }

  readonly modelSelect = () => this.page.getByTestId('model-select');
  readonly predictButton = () => this.page.getByTestId('predict-button');
  readonly predictionStatus = () => this.page.getByTestId('prediction-status');
  readonly predictionValue = () => this.page.getByTestId('prediction-value');
  readonly privacyPanel = () => this.page.getByTestId('privacy-panel');

  async open(path = '/') {
    await this.page.goto(path);
    await expect(this.page.getByRole('heading', { name: 'ChemVeil', level: 1 })).toBeVisible();
  }

  async chooseModel(id: string) {
    await expect(this.modelSelect().locator(`option[value="${id}"]`)).toHaveCount(1);
    await this.modelSelect().selectOption(id);
  }

  /** Enters a molecule, waits for it to validate, predicts, and returns the displayed value. */
  async predict(smiles?: string): Promise<number> {
    if (smiles !== undefined) {
      await this.molecule.enter(smiles);
      await expect(this.molecule.status()).toHaveText(/Valid molecule/);
    }
    await this.predictButton().click();
    await expect(this.predictionStatus()).toHaveAttribute('data-status', /done|error/, { timeout: 45_000 });
    await expect(this.predictionStatus()).toHaveAttribute('data-status', 'done');
    return Number(await this.predictionValue().textContent());
  }

  async tab(name: 'Predict' | 'Batch' | 'History' | 'Settings') {
    await this.page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name }).click();
  }
}
