// Work that runs after the response has gone out (so a response's timing reveals nothing about it),
// tracked so shutdown and tests can wait for it. Failures are logged once, here.
import type { Logger } from './logger.js';

export interface Background {
  run(name: string, work: () => Promise<unknown>): void;
  /** Resolves when nothing is running. */
  idle(): Promise<void>;
}

export function createBackground(logger: Logger): Background {
  const running = new Set<Promise<unknown>>();
  return {
    run(name, work) {
      const task = Promise.resolve()
        .then(work)
        .catch((err) => logger.error({ err, task: name }, 'background task failed'))
        .finally(() => running.delete(task));
      running.add(task);
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
