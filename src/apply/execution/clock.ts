/**
 * Time as the applier reads it: when the kernel was read whole, and how old a cache or a ledger
 * is. Injected (`ApplyOptions.clock`), so that tests set it; nothing else in the applier asks
 * the system for the time.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The system's clock (`Date.now`). */
export const systemClock: Clock = { now: () => Date.now() };
