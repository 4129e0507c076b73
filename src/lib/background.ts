// Work that runs after the response has gone out (so a response's timing reveals nothing about it),
// tracked so shutdown and tests can wait for it. Failures are logged once, here.
// At most `concurrency` tasks run at once (default 12); the rest wait their turn in order. This work is
// for throughput, the pages for latency: without a bound a burst of sign-in requests starts hundreds
// of tasks that fight the pages for the event loop and the database pool (10 connections by
// default). A sign-in task spends most of its time waiting on the database (nine queries in a row),
// so several at a time keep the queue moving: on the 2-core bench machine, at 200 sign-in requests a
// second, 4 per process took the mails out in about half the time 2 did, and 12 (issue 18, taken on a
// busy machine) brought the mail p50 from 2.1 s to 0.6 s with the request p99 no worse (npm run bench). A queue
// longer than `maxWaiting` means the process is being flooded: new tasks are then dropped, and said so.
import type { Logger } from './logger.js';

export interface Background {
  run(name: string, work: () => Promise<unknown>): void;
  /** Resolves when nothing is running or waiting. */
  idle(): Promise<void>;
}

export interface BackgroundOptions {
  concurrency?: number;
  maxWaiting?: number;
}

export function createBackground(logger: Logger, options: BackgroundOptions = {}): Background {
  const { concurrency = 12, maxWaiting = 10_000 } = options;
  const running = new Set<Promise<unknown>>();
  const waiting: Array<{ name: string; work: () => Promise<unknown> }> = [];
  const drained: Array<() => void> = [];

  function start(name: string, work: () => Promise<unknown>) {
    const task = Promise.resolve()
      .then(work)
      .catch((err) => logger.error({ err, task: name }, 'background task failed'))
      .finally(() => {
        running.delete(task);
        const next = waiting.shift();
        if (next) start(next.name, next.work);
        else if (running.size === 0) drained.splice(0).forEach((resolve) => resolve());
      });
    running.add(task);
  }

  return {
    run(name, work) {
      if (running.size < concurrency) return start(name, work);
      if (waiting.length >= maxWaiting) {
        logger.error({ task: name, waiting: waiting.length }, 'background queue full; task dropped');
        return;
      }
      waiting.push({ name, work });
    },
    idle() {
      if (running.size === 0 && waiting.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => drained.push(resolve));
    },
  };
}
