// Work after the response: at most `concurrency` tasks at once, in order, failures logged once, a
// flood held back past `highWater` (run() resolves later) and refused past `maxWaiting`, and idle()
// waiting for all of it.
import { Writable } from 'node:stream';
import { createBackground } from '../../src/lib/background.js';
import { createLogger } from '../../src/lib/logger.js';

function capturedLogger() {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    logger: createLogger('info', sink),
    lines: () =>
      text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

it('runs at most `concurrency` tasks at once, the rest in the order they came', async () => {
  const { logger } = capturedLogger();
  const background = createBackground(logger, { concurrency: 2 });
  let running = 0;
  let most = 0;
  const order: number[] = [];
  const releases: Array<() => void> = [];
  for (let i = 0; i < 6; i++) {
    background.run('task', async () => {
      running += 1;
      most = Math.max(most, running);
      order.push(i);
      await new Promise<void>((resolve) => releases.push(resolve));
      running -= 1;
    });
  }
  await tick();
  expect(order).toEqual([0, 1]);
  while (releases.length) {
    releases.shift()!();
    await tick();
    await tick();
  }
  await background.idle();
  expect(most).toBe(2);
  expect(order).toEqual([0, 1, 2, 3, 4, 5]);
});

it('logs a failed task once with its name and goes on with the next', async () => {
  const { logger, lines } = capturedLogger();
  const background = createBackground(logger, { concurrency: 1 });
  const done: string[] = [];
  background.run('breaks', async () => {
    throw new Error('boom');
  });
  background.run('works', async () => {
    done.push('works');
  });
  await background.idle();
  expect(done).toEqual(['works']);
  const failures = lines().filter((l) => l.msg === 'background task failed');
  expect(failures).toHaveLength(1);
  expect(failures[0]).toMatchObject({ task: 'breaks', err: { message: 'boom' } });
});

it('drops new tasks, and says so, once `maxWaiting` are queued', async () => {
  const { logger, lines } = capturedLogger();
  const background = createBackground(logger, { concurrency: 1, maxWaiting: 2 });
  let release!: () => void;
  const ran: number[] = [];
  background.run('slow', () => new Promise<void>((resolve) => (release = resolve)));
  for (let i = 0; i < 4; i++) background.run('queued', async () => void ran.push(i));
  await tick();
  release();
  await background.idle();
  expect(ran).toEqual([0, 1]);
  expect(lines().filter((l) => l.msg === 'background queue full; task dropped')).toHaveLength(2);
});

it('idle() resolves at once when nothing runs, and only after queued work when something does', async () => {
  const { logger } = capturedLogger();
  const background = createBackground(logger, { concurrency: 1 });
  await background.idle();
  let finished = 0;
  for (let i = 0; i < 3; i++) background.run('t', async () => void (await tick(), finished++));
  await background.idle();
  expect(finished).toBe(3);
});

it('past `highWater` waiting tasks, run() resolves only as the queue comes down, first come first served', async () => {
  const { logger, lines } = capturedLogger();
  const background = createBackground(logger, { concurrency: 1, highWater: 2 });
  const releases: Array<() => void> = [];
  const ran: number[] = [];
  const queued: number[] = [];
  for (let i = 0; i < 6; i++) {
    void background
      .run('task', async () => {
        ran.push(i);
        await new Promise<void>((resolve) => releases.push(resolve));
      })
      .then(() => queued.push(i));
  }
  await tick();
  // One runs, two wait: those three were taken at once; the other three are held.
  expect(ran).toEqual([0]);
  expect(queued).toEqual([0, 1, 2]);
  releases.shift()!();
  await tick();
  await tick();
  // One finished: the next starts and one held task comes into the queue.
  expect(ran).toEqual([0, 1]);
  expect(queued).toEqual([0, 1, 2, 3]);
  let idle = false;
  void background.idle().then(() => (idle = true));
  while (ran.length < 6 || releases.length) {
    releases.shift()?.();
    await tick();
    await tick();
  }
  await tick();
  expect(ran).toEqual([0, 1, 2, 3, 4, 5]);
  expect(queued).toEqual([0, 1, 2, 3, 4, 5]);
  expect(idle).toBe(true);
  // Held is not dropped.
  expect(lines().filter((l) => l.msg === 'background queue full; task dropped')).toHaveLength(0);
});
