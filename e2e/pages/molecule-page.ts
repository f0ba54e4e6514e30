import { expect, type Page } from '@playwright/test';

/** Page object for the molecule entry panel. */
export class MoleculePage {
  constructor(readonly page: Page) {}

  readonly input = () => this.page.getByTestId('molecule-input');
  readonly status = () => this.page.getByTestId('molecule-status');
  readonly canonicalSmiles = () => this.page.getByTestId('canonical-smiles');
  readonly morganHex = () => this.page.getByTestId('morgan-hex');
  readonly depiction = () => this.page.getByTestId('molecule-depiction');

  async open() {
    await this.page.goto('/');
    await expect(this.page.getByRole('heading', { name: 'ChemVeil' })).toBeVisible();
  }

  async enter(text: string) {
    await this.input().fill(text);
  }
}
