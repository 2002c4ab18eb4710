import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./usageError.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parsed flags (boolean flags as booleans, the others as strings) and positional PATHs. */
export interface ParsedCommandArgs<O extends Options> {
  readonly values: { readonly [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string };
  readonly positionals: readonly string[];
}

/**
 * Parses a command's arguments strictly (unknown flags are usage errors) and requires at least
 * one positional PATH.
 */
export function parseCommandArgs<O extends Options>(argv: readonly string[], options: O): ParsedCommandArgs<O> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (parsed.positionals.length === 0) throw new UsageError("expected at least one PATH");
  return parsed as unknown as ParsedCommandArgs<O>;
}

/** Checks that a flag's value is one of `allowed`. */
export function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag} must be one of ${allowed.join(", ")}, not '${value}'`);
}
