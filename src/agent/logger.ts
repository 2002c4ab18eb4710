/** The agent's log: one line per event, as text or as JSON lines, to an injected writer. */
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  log(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void;
}

export function createLogger(format: "text" | "json", write: (line: string) => void, now: () => Date, minimum: LogLevel = "info"): Logger {
  const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
  return {
    log(level, message, fields = {}) {
      if (rank[level] < rank[minimum]) return;
      const time = now().toISOString();
      if (format === "json") {
        write(`${JSON.stringify({ time, level, msg: message, ...fields })}\n`);
        return;
      }
      const extra = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v)}`)
        .join(" ");
      write(`${time} ${level.toUpperCase().padEnd(5)} ${message}${extra ? ` ${extra}` : ""}\n`);
    },
  };
}
