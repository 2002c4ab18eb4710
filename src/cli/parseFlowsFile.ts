/**
 * `explain --flows FILE`: the flows to answer, one per line of text (`FROM TO PORT [allow|deny]`,
 * `#` comments and blank lines skipped), as JSON (an array, or `{"flows": [...]}`, of objects with
 * `from`, `to`, `port` and an optional `expect`) or as CSV (a header naming the columns `from`,
 * `to`, `port` and optionally `expect`). The form is the file's extension (`.json`, `.csv`), else
 * what its text looks like. Every mistake is a `UsageError` naming the file and line.
 */
import { readFileSync } from "node:fs";
import { UsageError } from "./usageError.js";

export interface FlowLine {
  readonly from: string;
  readonly to: string;
  readonly port: string;
  readonly expect?: "allow" | "deny";
  /** `file:line` (`file: flow N` for JSON). */
  readonly origin: string;
}

export function readFlowsFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`--flows ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function expectation(value: unknown, origin: string): "allow" | "deny" | undefined {
  if (value === undefined || value === "" || value === null) return undefined;
  if (value === "allow" || value === "deny") return value;
  throw new UsageError(`${origin}: expect must be allow or deny, not '${String(value)}'`);
}

/** The flows of a `--flows` file called `name` with the text `text`. */
export function parseFlowsFile(name: string, text: string): FlowLine[] {
  const trimmed = text.trimStart();
  const json = name.endsWith(".json") || (!name.endsWith(".csv") && (trimmed.startsWith("[") || trimmed.startsWith("{")));
  if (json) return fromJson(name, text);
  const lines = text.split(/\r?\n/);
  const firstLine = lines.find((l) => l.trim() !== "" && !l.trimStart().startsWith("#")) ?? "";
  return name.endsWith(".csv") || firstLine.includes(",") ? fromCsv(name, lines) : fromText(name, lines);
}

function fromText(name: string, lines: readonly string[]): FlowLine[] {
  const out: FlowLine[] = [];
  lines.forEach((line, i) => {
    const text = line.replace(/#.*/, "").trim();
    if (text === "") return;
    const origin = `${name}:${i + 1}`;
    const words = text.split(/\s+/);
    if (words.length < 3 || words.length > 4) throw new UsageError(`${origin}: expected FROM TO PORT [allow|deny], got '${text}'`);
    const expect = expectation(words[3], origin);
    out.push({ from: words[0]!, to: words[1]!, port: words[2]!, ...(expect ? { expect } : {}), origin });
  });
  return out;
}

/** One CSV record's fields (RFC 4180 quoting within the line). */
function csvFields(line: string, origin: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new UsageError(`${origin}: unterminated quoted field`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
    } else {
      while (i < line.length && line[i] !== ",") field += line[i++];
    }
    fields.push(field.trim());
    if (i >= line.length) return fields;
    if (line[i] !== ",") throw new UsageError(`${origin}: expected a comma after a quoted field`);
    i++;
  }
}

function fromCsv(name: string, lines: readonly string[]): FlowLine[] {
  const records = lines.map((l, i) => ({ text: l, origin: `${name}:${i + 1}` })).filter((r) => r.text.trim() !== "" && !r.text.trimStart().startsWith("#"));
  const header = records.shift();
  if (!header) return [];
  const columns = csvFields(header.text, header.origin).map((c) => c.toLowerCase());
  const column = (want: string, required: boolean): number => {
    const k = columns.indexOf(want);
    if (k < 0 && required) throw new UsageError(`${header.origin}: the CSV header needs the columns from, to and port (and may have expect), got '${header.text}'`);
    return k;
  };
  const [from, to, port, expect] = [column("from", true), column("to", true), column("port", true), column("expect", false)];
  return records.map((r) => {
    const f = csvFields(r.text, r.origin);
    const get = (k: number): string => f[k] ?? "";
    if (get(from) === "" || get(to) === "" || get(port) === "") throw new UsageError(`${r.origin}: from, to and port are required`);
    const e = expect >= 0 ? expectation(get(expect), r.origin) : undefined;
    return { from: get(from), to: get(to), port: get(port), ...(e ? { expect: e } : {}), origin: r.origin };
  });
}

function fromJson(name: string, text: string): FlowLine[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${name}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const list = Array.isArray(parsed) ? parsed : typeof parsed === "object" && parsed !== null && Array.isArray((parsed as { flows?: unknown }).flows) ? (parsed as { flows: unknown[] }).flows : undefined;
  if (!list) throw new UsageError(`${name}: expected an array of flows, or an object with one under "flows"`);
  return list.map((item, i) => {
    const origin = `${name}: flow ${i + 1}`;
    if (typeof item !== "object" || item === null) throw new UsageError(`${origin}: expected an object with from, to and port`);
    const o = item as Record<string, unknown>;
    const str = (key: string): string => {
      const v = o[key];
      if (typeof v === "string" && v !== "") return v;
      if (key === "port" && typeof v === "number") return String(v);
      throw new UsageError(`${origin}: ${key} is required (a string${key === "port" ? " or a number" : ""})`);
    };
    const expect = expectation(o.expect, origin);
    return { from: str("from"), to: str("to"), port: str("port"), ...(expect ? { expect } : {}), origin };
  });
}
