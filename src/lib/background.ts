// Work that runs after the response has gone out (so a response's timing reveals nothing about it),
// tracked so shutdown and tests can wait for it. Failures are logged once, here.
// At most `concurrency` tasks run at once (default 12); the rest wait their turn in order. This work is
// for throughput, the pages for latency: without a bound a burst of sign-in requests starts hundreds
// of tasks that fight the pages for the event loop and the database pool (10 connections by
// default). A sign-in task spends most of its time waiting on the database (nine queries in a row),
// so several at a time keep the queue moving: on the 2-core bench machine, at 200 sign-in requests a
// second, 4 per process took the mails out in about half the time 2 did, and 12 (issue 18, taken on a
// busy machine) brought the mail p50 from 2.1 s to 0.6 s with the request p99 no worse (npm run bench).
//
// Backpressure: run() resolves once the task is in the queue, at once while fewer than `highWater` wait.
// Past that, the task is held and its promise resolves when the queue has come down, so a route that
// awaits run() before answering (the sign-in mail) answers a flood more slowly instead of growing the
// queue: accepted requests never outrun the work behind them, each mail leaves within moments of its
// answer and memory stays flat (issue 18: a 10 s burst answered at 1000/s left 15 s of mail queued and
// half a gigabyte of waiting closures). The wait is the same for every request, whatever its address.
// More than `maxWaiting` tasks held in all means the process is being flooded by work nobody waits
// for: new tasks are then dropped, and said so.
import type { Logger } from './logger.js';

export interface Background {
  /** Queues the work; resolves when it is in the queue (later only when the queue is full, see above). */
  run(name: string, work: () => Promise<unknown>): Promise<void>;
  /** Resolves when nothing is running or waiting. */
  idle(): Promise<void>;
}

export interface BackgroundOptions {
  concurrency?: number;
  /** Past this many waiting tasks, run() resolves only when the queue has come down. */
  highWater?: number;
  maxWaiting?: number;
}

interface Task {
  name: string;
  work: () => Promise<unknown>;
}

/** What the app runs with: 12 at once, and run() waits past 4 × 12 waiting. */
export const BACKGROUND_DEFAULTS = { concurrency: 12, highWater: 48 } as const;

export function createBackground(logger: Logger, options: BackgroundOptions = {}): Background {
  const { concurrency = BACKGROUND_DEFAULTS.concurrency, maxWaiting = 10_000 } = options;
  const highWater = Math.max(1, options.highWater ?? 4 * concurrency);
  const running = new Set<Promise<unknown>>();
  const waiting: Task[] = [];
  // Tasks past the high-water mark, with the resolve of the run() that brought each.
  const held: Array<Task & { queued: () => void }> = [];
  const drained: Array<() => void> = [];

  function start({ name, work }: Task) {
    const task = Promise.resolve()
      .then(work)
      .catch((err) => logger.error({ err, task: name }, 'background task failed'))
      .finally(() => {
        running.delete(task);
        pump();
        if (running.size === 0 && waiting.length === 0) drained.splice(0).forEach((resolve) => resolve());
      });
    running.add(task);
  }

  // Held tasks move into the queue as it comes down; queued tasks start as slots free up.
  function pump() {
    for (;;) {
      while (running.size < concurrency && waiting.length) start(waiting.shift()!);
      if (!held.length || waiting.length >= highWater) return;
      const { queued, ...task } = held.shift()!;
      waiting.push(task);
      queued();
    }
  }

  return {
    run(name, work) {
      if (running.size < concurrency && waiting.length === 0) {
        start({ name, work });
        return Promise.resolve();
      }
      if (waiting.length + held.length >= maxWaiting) {
        logger.error({ task: name, waiting: waiting.length + held.length }, 'background queue full; task dropped');
        return Promise.resolve();
      }
      if (waiting.length < highWater) {
        waiting.push({ name, work });
        return Promise.resolve();
      }
      return new Promise<void>((queued) => held.push({ name, work, queued }));
    },
    idle() {
      if (running.size === 0 && waiting.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => drained.push(resolve));
    },
  };
}
