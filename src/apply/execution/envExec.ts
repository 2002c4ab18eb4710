/**
 * Running some programs with environment variables of their own, through env(1): the Exec
 * interface runs argv as is (no environment of its own, so that every fake and wrapper sees
 * exactly what runs), and env is in coreutils on every node.
 */
import type { Exec } from "./exec.js";

/** An assignment word of env(1): `NAME=value`. */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** The program an argv runs, past a leading `env NAME=value …`. */
export function programOf(argv: readonly string[]): string {
  if (argv[0] !== "env") return argv[0] ?? "";
  return argv.slice(1).find((word) => !ASSIGNMENT.test(word)) ?? "";
}

/**
 * `argv` run with the `NAME=value` assignments `variables` (none: argv as it is). An argv that
 * already goes through env keeps its own assignments after these (env applies them in order, so
 * an earlier wrapper's value wins for a name both set).
 */
export function withAssignments(argv: readonly string[], variables: readonly string[]): string[] {
  if (variables.length === 0) return [...argv];
  return argv[0] === "env" ? ["env", ...variables, ...argv.slice(1)] : ["env", ...variables, ...argv];
}

/** `exec`, running each argv with the assignments `variables(program)` gives for its program. */
export function withEnv(exec: Exec, variables: (program: string) => readonly string[]): Exec {
  return {
    run(argv, stdin) {
      return exec.run(withAssignments(argv, variables(programOf(argv))), stdin);
    },
  };
}
