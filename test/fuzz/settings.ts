/**
 * The fuzzer's seed and run count. CI runs the fixed defaults; a longer local run scales them up
 * with FUZZ_SEED / FUZZ_RUNS (POLICYC_FUZZ_SEED / POLICYC_FUZZ_RUNS are the older spellings).
 */

/** The seed every fuzz test uses unless FUZZ_SEED (or POLICYC_FUZZ_SEED) says otherwise. */
export const DEFAULT_SEED = 20261121;
/** Clusters the differential test checks by default: about 25 s alone, 30 s within `npm test`, on 2 cores. */
export const DEFAULT_RUNS = 2500;

function numberFrom(names: readonly string[], fallback: number): number {
  for (const name of names) {
    const raw = process.env[name];
    if (raw === undefined || raw === "") continue;
    const n = Number(raw);
    if (!Number.isInteger(n)) throw new Error(`${name}=${raw} is not an integer`);
    return n;
  }
  return fallback;
}

export function fuzzSeed(): number {
  return numberFrom(["FUZZ_SEED", "POLICYC_FUZZ_SEED"], DEFAULT_SEED);
}

export function fuzzRuns(): number {
  return numberFrom(["FUZZ_RUNS", "POLICYC_FUZZ_RUNS"], DEFAULT_RUNS);
}

/** Change sequences the incremental compiler's property test runs by default (INCREMENTAL_RUNS scales it). */
export const DEFAULT_INCREMENTAL_RUNS = 300;

export function incrementalRuns(): number {
  return numberFrom(["INCREMENTAL_RUNS"], DEFAULT_INCREMENTAL_RUNS);
}
