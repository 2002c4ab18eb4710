/**
 * The progress line of long runs: on a terminal's stderr only, and only once a run has taken
 * about two seconds (a quick run prints nothing more than before). It is redrawn in place at most
 * a few times a second and erased when the front end is done, so it never mixes with
 * diagnostics. The library reports progress through callbacks (`loadModel`'s `onProgress`,
 * `readInputs`'s); this turns them into the line.
 */

/** Where the front end is. */
export type ProgressState =
  | { readonly phase: "reading"; readonly filesRead: number; readonly chars: number }
  | {
      readonly phase: "loading" | "checking";
      readonly filesDone: number;
      readonly files: number;
      readonly charsDone: number;
      readonly chars: number;
      readonly resources: number;
    };

export interface Progress {
  readonly update: (state: ProgressState) => void;
  /** Erases the line, if one was drawn. */
  readonly done: () => void;
}

/** What the progress line writes to: a terminal stream. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

/** A progress that shows nothing. */
export const noProgress: Progress = { update: () => {}, done: () => {} };

/**
 * The progress line on `stream` when it is a terminal, else `noProgress`. `delayMs`: how long a
 * run goes before the line appears; `intervalMs`: how often it is redrawn.
 */
export function terminalProgress(stream: ProgressStream, options: { now?: () => number; delayMs?: number; intervalMs?: number } = {}): Progress {
  if (stream.isTTY !== true) return noProgress;
  const now = options.now ?? Date.now;
  const delayMs = options.delayMs ?? 2000;
  const intervalMs = options.intervalMs ?? 250;
  const start = now();
  let drawnAt = -Infinity;
  let drawn = false;
  return {
    update(state) {
      const t = now();
      if (t - start < delayMs || t - drawnAt < intervalMs) return;
      drawnAt = t;
      drawn = true;
      const width = Math.max(20, (stream.columns ?? 80) - 1);
      stream.write(`\r${progressLine(state).slice(0, width)}\x1b[K`);
    },
    done() {
      if (drawn) stream.write("\r\x1b[K");
      drawn = false;
    },
  };
}

/** The text of the progress line. */
export function progressLine(state: ProgressState): string {
  if (state.phase === "reading") return `policyc: reading ${count(state.filesRead, "file")} (${megabytes(state.chars)})`;
  const files = state.files === 1 ? "" : `${state.filesDone} of ${state.files} files, `;
  const share = state.chars === 0 ? 100 : Math.floor((100 * state.charsDone) / state.chars);
  const what = state.phase === "loading" ? "loading" : "checking";
  return `policyc: ${what} ${files}${share}% of ${megabytes(state.chars)}, ${count(state.resources, "resource")}`;
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}

function megabytes(chars: number): string {
  return `${(chars / 2 ** 20).toFixed(chars < 10 * 2 ** 20 ? 1 : 0)} MB`;
}
