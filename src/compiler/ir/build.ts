/** Small constructors for IR matches, actions and rules, so layout code reads like Felix's. */
import type { Action, ConntrackState, Match, Rule } from "./types.js";

/** `mark & bit == bit`. */
export function markSet(bit: number): Match {
  return { kind: "mark", value: bit, mask: bit, negate: false };
}

/** `mark & bit == 0`. */
export function markClear(bit: number): Match {
  return { kind: "mark", value: 0, mask: bit, negate: false };
}

export function ifaceIn(name: string, prefix = false): Match {
  return { kind: "iface", dir: "in", name, prefix, negate: false };
}

export function ifaceOut(name: string, prefix = false): Match {
  return { kind: "iface", dir: "out", name, prefix, negate: false };
}

export function ctstate(...states: ConntrackState[]): Match {
  return { kind: "ctstate", states };
}

/** Conntrack state none of `states`. */
export function notCtstate(...states: ConntrackState[]): Match {
  return { kind: "ctstate", states, negate: true };
}

export const ACCEPT: Action = { kind: "accept" };
export const DROP: Action = { kind: "drop" };
export const RETURN: Action = { kind: "return" };

export function jump(chain: string): Action {
  return { kind: "jump", chain };
}

export function goto(chain: string): Action {
  return { kind: "goto", chain };
}

/** Sets the bits of `bits` (`--set-mark X/X`). */
export function setBits(bits: number): Action {
  return { kind: "setMark", value: bits, mask: bits };
}

/** Clears the bits of `bits` (`--set-mark 0/X`). */
export function clearBits(bits: number): Action {
  return { kind: "setMark", value: 0, mask: bits };
}

export function rule(matches: readonly Match[], action: Action, ...comments: string[]): Rule {
  return { matches, action, comments };
}
