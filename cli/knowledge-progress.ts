// Progress of long knowledge work: a bar on a terminal, a line per step when stderr is piped.
import { SingleBar, Presets } from 'cli-progress';

export interface Progress {
  /** `done` of `total` units of the current item (passages embedded, documents re-embedded). */
  update(label: string, done: number, total: number): void;
  stop(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) {
    return {
      update(label, done, total) {
        // Only the end of each item: a log full of counters helps nobody.
        if (done === total) stream.write(`${label}: ${done}/${total}\n`);
      },
      stop() {},
    };
  }
  const bar = new SingleBar({ stream, format: '{label} [{bar}] {value}/{total}', hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
  let running = false;
  return {
    update(label, done, total) {
      if (!running) {
        bar.start(total, done, { label });
        running = true;
      }
      bar.setTotal(total);
      bar.update(done, { label });
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
