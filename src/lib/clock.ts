// Time is a dependency so expiry rules can be tested by moving a clock instead of waiting.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
