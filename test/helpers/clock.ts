// A clock that follows real time plus an offset the test can move forward.
import type { Clock } from '../../src/lib/clock.js';

export class TestClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
