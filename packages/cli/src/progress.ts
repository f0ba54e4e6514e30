/**
 * A progress bar on stderr: redrawn in place on a terminal (at most ~10 times a second), and as a few plain lines
 * (every 25 %) when stderr is a file or pipe, so logs stay readable.
 */
export class ProgressBar {
  readonly #started = performance.now();
  #lastDraw = 0;
  #lastQuarter = 0;

  constructor(
    readonly total: number,
    readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number): void {
    if (this.total === 0) return;
    const now = performance.now();
    if (this.stream.isTTY) {
      if (now - this.#lastDraw < 100 && done < this.total) return;
      this.#lastDraw = now;
      const width = 30;
      const filled = Math.round((width * done) / this.total);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      this.stream.write(`\r${this.label} ${bar} ${done}/${this.total} ${this.#rate(done, now)}   `);
      return;
    }
    const quarter = Math.floor((4 * done) / this.total);
    if (quarter > this.#lastQuarter) {
      this.#lastQuarter = quarter;
      this.stream.write(`${this.label}: ${done}/${this.total} (${quarter * 25} %) ${this.#rate(done, now)}\n`);
    }
  }

  #rate(done: number, now: number): string {
    const seconds = (now - this.#started) / 1000;
    if (done === 0 || seconds === 0) return '';
    const perSecond = done / seconds;
    const left = (this.total - done) / perSecond;
    return `${perSecond.toFixed(1)}/s${done < this.total ? `, ${Math.ceil(left)} s left` : ''}`;
  }

  finish(): void {
    if (this.stream.isTTY && this.total > 0) this.stream.write('\n');
  }
}
