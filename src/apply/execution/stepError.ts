/**
 * A failed tool run, with enough to tell the operator which tool failed on which line of its
 * input. Thrown inside the applier and turned into an `ApplyResult` at its edge (apply.ts).
 */
export class StepError extends Error {
  constructor(
    /** What was being done: `ipset`, `iptables filter`, `reading state`, … */
    readonly label: string,
    readonly argv: readonly string[],
    readonly code: number,
    readonly stderr: string,
    /** The 1-based line of the tool's input it complained about, when it said. */
    readonly line: number | undefined,
    /** That input line's text. */
    readonly lineText: string | undefined,
  ) {
    super(describe(label, argv, code, stderr, line, lineText));
    this.name = "StepError";
  }
}

function describe(label: string, argv: readonly string[], code: number, stderr: string, line?: number, lineText?: string): string {
  const where = line === undefined ? "" : ` at line ${line} of its input${lineText === undefined ? "" : `: ${lineText}`}`;
  const why = stderr.trim().split("\n").filter((l) => l.trim() !== "" && !l.startsWith("Try `"))[0] ?? "";
  return `${label}: \`${argv.join(" ")}\` failed (exit ${code})${where}${why === "" ? "" : `\n  ${why}`}`;
}

/**
 * The input line a tool blamed: iptables-restore says `Error occurred at line: N` (or
 * `line N failed`), ipset restore `Error in line N:`, nft `/dev/stdin:N:col`.
 */
export function failedLine(stderr: string): number | undefined {
  const m = /Error occurred at line: (\d+)/.exec(stderr) ?? /line (\d+) failed/.exec(stderr) ?? /Error in line (\d+)/.exec(stderr) ?? /\/dev\/stdin:(\d+):/.exec(stderr);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** A StepError for a finished run that failed, with the blamed input line looked up. */
export function stepError(label: string, argv: readonly string[], result: { code: number; stderr: string }, stdin = ""): StepError {
  const line = failedLine(result.stderr);
  const lineText = line === undefined ? undefined : stdin.split("\n")[line - 1];
  return new StepError(label, argv, result.code, result.stderr, line, lineText);
}
