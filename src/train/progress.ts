// Progress of long work: a cli-progress bar with elapsed time and ETA on a terminal, one plain line every ~10 %
// elsewhere (logs), with the same elapsed time and ETA; `enabled: false` (the CLI's --no-progress, tests) is silent.
import cliProgress from 'cli-progress';

/** Seconds as "45 s", "3 min 05 s" or "2 h 07 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * Seconds left at the rate seen so far: `done` of `total` after `elapsed` seconds, `startValue` of them already done
 * when the clock started (a resumed run). Null while nothing has been done since the start.
 */
export function etaSeconds(elapsed: number, done: number, total: number, startValue = 0): number | null {
  const progressed = done - startValue;
  if (progressed <= 0 || elapsed <= 0) return null;
  return Math.max(0, ((total - done) * elapsed) / progressed);
}

/** "elapsed 3 min 05 s, ETA 45 s" (ETA "?" until the first unit of work is done). */
export function elapsedAndEta(elapsed: number, done: number, total: number, startValue = 0): string {
  const eta = etaSeconds(elapsed, done, total, startValue);
  return `elapsed ${formatDuration(elapsed)}, ETA ${eta === null ? '?' : formatDuration(eta)}`;
}

export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private lastPrinted = -1;
  private t0 = Date.now();
  private startValue = 0;

  private readonly quiet: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    enabled?: boolean,
  ) {
    this.quiet = enabled === false;
    if (!this.quiet && process.stderr.isTTY) {
      this.bar = new cliProgress.SingleBar(
        { format: `${label} [{bar}] {value}/{total} | elapsed {duration_formatted}, ETA {eta_formatted} | {info}`, stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
    }
  }

  start(value = 0): void {
    this.t0 = Date.now();
    this.startValue = value;
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
      process.stderr.write(`${this.label} ${value}/${this.total} (${elapsedAndEta(secs, value, this.total, this.startValue)}) ${text}\n`);
    }
  }

  stop(): void {
    this.bar?.stop();
  }
}

/** Let the event loop run once (setImmediate): a long synchronous loop otherwise starves signals and IPC. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
