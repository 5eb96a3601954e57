// Progress of long work: a cli-progress bar with ETA on a terminal, one plain line every ~10 % elsewhere (logs);
// `enabled: false` (the CLI's --no-progress, tests) is silent.
import cliProgress from 'cli-progress';

export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private lastPrinted = -1;
  private readonly t0 = Date.now();

  private readonly quiet: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    enabled?: boolean,
  ) {
    this.quiet = enabled === false;
    if (!this.quiet && process.stderr.isTTY) {
      this.bar = new cliProgress.SingleBar(
        { format: `${label} [{bar}] {value}/{total} | ETA {eta_formatted} | {info}`, stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
    }
  }

  start(value = 0): void {
    this.bar?.start(this.total, value, { info: '' });
  }

  update(value: number, info: Record<string, string | number> = {}): void {
    const text = Object.entries(info).map(([k, v]) => `${k} ${v}`).join(' ');
    if (this.bar) {
      this.bar.update(value, { info: text });
      return;
    }
    if (this.quiet) return;
    const decile = Math.floor((10 * value) / Math.max(1, this.total));
    if (decile !== this.lastPrinted) {
      this.lastPrinted = decile;
      const secs = (Date.now() - this.t0) / 1000;
      process.stderr.write(`${this.label} ${value}/${this.total} (${secs.toFixed(0)} s) ${text}\n`);
    }
  }

  stop(): void {
    this.bar?.stop();
  }
}

/** Let the event loop run once (setImmediate): a long synchronous loop otherwise starves signals and IPC. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
