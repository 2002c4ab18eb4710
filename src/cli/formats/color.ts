/**
 * Colour for people at a terminal: only when the stream is a TTY and `NO_COLOR` is unset or empty
 * (https://no-color.org), so pipes, files and CI logs get plain text.
 */
import type { Io } from "../io.js";

export type Paint = (style: "error" | "warning" | "note" | "bold" | "dim", text: string) => string;

const codes = { error: "31;1", warning: "33;1", note: "36", bold: "1", dim: "2" } as const;

export const plain: Paint = (_style, text) => text;

/** The painter for stdout (`stderr`: for stderr) of this run. */
export function painter(io: Io, stream: "stdout" | "stderr" = "stdout"): Paint {
  const tty = stream === "stdout" ? io.stdoutIsTty : io.stderrIsTty;
  const noColor = io.env?.NO_COLOR;
  if (tty !== true || (noColor !== undefined && noColor !== "")) return plain;
  return (style, text) => `\u001b[${codes[style]}m${text}\u001b[0m`;
}
