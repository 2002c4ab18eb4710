import { parseArgs } from "node:util";
import { UsageError } from "./usageError.js";

/** One flag of a command: a value (`--node NAME`), a switch (`--strict`), maybe repeatable. */
export interface FlagSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  /** May be given more than once (`--exclude a --exclude b`); the values are collected. */
  readonly multiple?: boolean;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

type ValueOf<F extends FlagSpec> = F["type"] extends "boolean" ? boolean : F["multiple"] extends true ? string[] : string;

/** Parsed flags and positional PATHs. */
export interface ParsedCommandArgs<O extends FlagSpecs> {
  readonly values: { readonly [K in keyof O]?: ValueOf<O[K]> };
  readonly positionals: readonly string[];
}

/**
 * Parses a command's arguments strictly: an unknown flag, a missing value and a single-valued flag
 * given twice (`--node a --node b`: which one was meant?) are usage errors. `-` is a positional
 * (standard input). `requirePaths` (default true) wants at least one positional PATH.
 */
export function parseCommandArgs<O extends FlagSpecs>(argv: readonly string[], options: O, requirePaths = true): ParsedCommandArgs<O> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: options as never, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    throw new UsageError(cleanMessage(e instanceof Error ? e.message : String(e)));
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== "option") continue;
    const spec = options[token.name];
    if (spec && !spec.multiple && seen.has(token.name)) throw new UsageError(`--${token.name} is given more than once`);
    seen.add(token.name);
  }
  if (requirePaths && parsed.positionals.length === 0) throw new UsageError("expected at least one PATH");
  return { values: parsed.values, positionals: parsed.positionals } as unknown as ParsedCommandArgs<O>;
}

/**
 * Node's parseArgs messages, shortened to their first sentence and with balanced quotes (its
 * advice on `--` quotes an option inside quotes).
 */
function cleanMessage(message: string): string {
  const first = message.split(". ")[0] ?? message;
  return first.replace(/'/g, "").replace(/\.$/, "");
}

/** Checks that a flag's value is one of `allowed`. */
export function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag} must be one of ${allowed.join(", ")}, not '${value}'`);
}

/** A flag's value as an integer in [min, max]; garbage and out-of-range values are usage errors. */
export function integerFlag(flag: string, value: string | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, not '${value}'`);
  return Number(value);
}

/** A flag's value that must not be empty (a node name, a path). */
export function nonEmptyFlag(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && value.trim() === "") throw new UsageError(`--${flag} must not be empty`);
  return value;
}
