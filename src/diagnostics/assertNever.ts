/**
 * Closes an exhaustive `switch` over a discriminated union: the call only type-checks when every
 * case is handled, and it throws (an internal error, a policyc bug) if a value slips through.
 */
export function assertNever(value: never, what = "value"): never {
  throw new Error(`internal: unhandled ${what} ${JSON.stringify(value)}`);
}
