/**
 * Random spellings of resources as YAML and JSON text, for the test that the loader's fast path
 * and the positioned path agree (`test/fastPath.test.ts`). Where the fuzz clusters are clean JSON
 * documents, these texts are what people and tools write: block and flow collections, every
 * scalar style, YAML 1.1 scalars left unquoted (`yes`, `0x1F`, `1_000`, `~`), nulls written three
 * ways, anchors with aliases and merge keys, tags, comments, CRLF line breaks, byte order marks,
 * and damage: duplicate keys, wrong types, unknown fields, nulls where values belong. The texts
 * need not be valid; both paths must agree on them whatever they are.
 */

/** A small deterministic PRNG (mulberry32): the emitter's choices follow from one seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;

const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const chance = (rand: Rand, p: number): boolean => rand() < p;

/** Scalars YAML 1.1 reads as something other than a string, and other awkward texts. */
const awkward = ["yes", "No", "on", "OFF", "y", "~", "null", "0x1F", "0o17", "017", "08", "1_000", "1.10", "1e3", ".inf", "-.Inf", ".nan", "+12", "0b101", "2024-01-02", "", " lead", "trail ", "a: b", "#x", "- x", "*x", "&x", "!x", "|", "tab\there", "line\nbreak", "\u00e9t\u00e9", "x\u007fy", "__proto__", "<<", "-0", "12345678901234567890"];

/**
 * Damages a resource the way hand-edited files are damaged: a value replaced by null, a wrong
 * type or an awkward scalar, an unknown field, a field dropped. The result is a new value.
 */
export function mutate(value: unknown, rand: Rand, rate: number): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => mutate(v, rand, rate));
    if (chance(rand, rate / 4)) items.push(null);
    return items;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (chance(rand, rate / 6)) continue;
      if (chance(rand, rate / 3)) {
        out[key] = pick(rand, [null, 80, -0, 1.5, true, "80", [], {}, pick(rand, awkward), [null], { extra: 1 }]);
        continue;
      }
      out[key] = mutate(v, rand, rate);
    }
    if (chance(rand, rate / 4)) out[pick(rand, ["unknownField", "lables", "spec", "metadata", "__proto__", "items", "kind", "constructor"])] = pick(rand, [1, "x", null, {}]);
    return out;
  }
  return chance(rand, rate / 3) ? pick(rand, [null, 0, "0", "", pick(rand, awkward), false]) : value;
}

export interface YamlOptions {
  /** Probability of each kind of damage at the text level (duplicate keys, tags, anchors...). */
  readonly oddity: number;
}

/**
 * One resource as a YAML document body (no `---`), in random styles. Strings are written plain
 * when YAML reads them back as the same string, else quoted or as block scalars; with `oddity`,
 * sometimes plain anyway (so YAML 1.1 resolves them), and sometimes with anchors, aliases, merge
 * keys, tags, duplicate keys and comments.
 */
export function emitYaml(value: unknown, rand: Rand, options: YamlOptions): string {
  const emitter = new Emitter(rand, options.oddity);
  return emitter.top(value);
}

const plainSafe = /^[A-Za-z_/][A-Za-z0-9_ ./=-]*[A-Za-z0-9_./=-]$|^[A-Za-z_/]$/;

class Emitter {
  private anchors: string[] = [];
  private anchorCount = 0;

  constructor(
    private readonly rand: Rand,
    private readonly oddity: number,
  ) {}

  top(value: unknown): string {
    const lines: string[] = [];
    if (chance(this.rand, this.oddity)) lines.push("# a comment before the resource");
    if (value !== null && typeof value === "object" && !Array.isArray(value) && !chance(this.rand, 0.1)) {
      lines.push(...this.blockMap(value as Record<string, unknown>, 0));
    } else if (Array.isArray(value) && value.length > 0 && !chance(this.rand, 0.1)) {
      lines.push(...this.blockSeq(value, 0));
    } else {
      lines.push(this.flow(value));
    }
    return `${lines.join("\n")}\n`;
  }

  private scalar(value: unknown): string {
    const r = this.rand;
    if (value === null) return pick(r, ["~", "null", "", "Null"]);
    if (typeof value === "boolean") return chance(r, this.oddity) ? pick(r, value ? ["yes", "On", "y"] : ["no", "OFF", "n"]) : String(value);
    if (typeof value === "number") {
      if (Object.is(value, -0)) return "-0.0";
      if (chance(r, this.oddity) && Number.isInteger(value) && value >= 0) return pick(r, [`0x${value.toString(16)}`, `${value}`, `0o${value.toString(8)}`, `+${value}`]);
      return String(value);
    }
    const s = String(value);
    if (chance(r, this.oddity)) {
      // Written plain whatever it is: YAML 1.1 decides what it means (and may reject it).
      if (!/[\n\t]/.test(s) && s !== "" && !/^[\s#&*!|>'"%@`{}[\],?:-]/.test(s) && !/: |\s#|\s$/.test(s)) return s;
    }
    if (plainSafe.test(s) && !awkward.includes(s) && !/^(y|n|yes|no|on|off|true|false|null)$/i.test(s) && !chance(r, 0.2)) return s;
    return chance(r, 0.5) ? JSON.stringify(s) : `'${s.replaceAll("'", "''").replaceAll("\n", "\n\n")}'`;
  }

  private key(key: string): string {
    const r = this.rand;
    if (plainSafe.test(key) && !awkward.includes(key) && !/^(y|n|yes|no|on|off|true|false|null|<<)$/i.test(key) && !chance(r, 0.1)) return key;
    if (chance(r, this.oddity) && /^(y|yes|on|80|0x10|1\.5|~|null)$/i.test(key)) return key;
    return chance(r, 0.5) ? JSON.stringify(key) : `'${key.replaceAll("'", "''")}'`;
  }

  private properties(): string {
    const r = this.rand;
    if (chance(r, this.oddity / 2)) {
      const name = `a${this.anchorCount++}`;
      this.anchors.push(name);
      return `&${name} `;
    }
    return "";
  }

  /** A block mapping's lines at `indent`. */
  private blockMap(map: Record<string, unknown>, indent: number): string[] {
    const r = this.rand;
    const pad = " ".repeat(indent);
    const lines: string[] = [];
    const entries = Object.entries(map);
    if (entries.length === 0) return [`${pad}{}`];
    const mergeAt = this.anchors.length > 0 && chance(r, this.oddity / 2) ? Math.floor(r() * (entries.length + 1)) : -1;
    entries.forEach(([key, value], i) => {
      if (i === mergeAt) lines.push(`${pad}<<: *${pick(r, this.anchors)}`);
      lines.push(...this.entry(this.key(key), value, indent));
      if (chance(r, this.oddity / 3)) lines.push(...this.entry(this.key(key), value, indent));
      if (chance(r, this.oddity / 4)) lines.push(`${pad}# note`);
    });
    if (mergeAt === entries.length) lines.push(`${pad}<<: *${pick(r, this.anchors)}`);
    return lines;
  }

  private entry(key: string, value: unknown, indent: number): string[] {
    const r = this.rand;
    const pad = " ".repeat(indent);
    if (chance(r, this.oddity / 4) && this.anchors.length > 0) return [`${pad}${key}: *${pick(r, this.anchors)}`];
    if (value !== null && typeof value === "object") {
      const empty = Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
      if (!empty && !chance(r, 0.15)) {
        const props = this.properties();
        const tag = chance(r, this.oddity / 4) ? (Array.isArray(value) ? "!!seq " : "!!map ") : "";
        const head = `${pad}${key}:${props || tag ? ` ${tag}${props}`.trimEnd() : ""}`;
        if (Array.isArray(value)) return [head, ...this.blockSeq(value, chance(r, 0.5) ? indent : indent + 2)];
        return [head, ...this.blockMap(value as Record<string, unknown>, indent + 2)];
      }
      return [`${pad}${key}: ${this.flow(value)}`];
    }
    const tag = chance(r, this.oddity / 4) ? `${pick(r, ["!!str", "!!int", "!!bool", "!!null", "!!float", "!", "!custom"])} ` : "";
    if (typeof value === "string" && /^\S([^\n]*\S)?$/.test(value) && chance(r, 0.1)) {
      return [`${pad}${key}: ${tag}${pick(r, ["|-", ">-", "|", ">"])}`, `${pad}  ${value}`];
    }
    const text = this.scalar(value);
    return [`${pad}${key}:${text === "" && tag === "" ? "" : ` ${tag}${text}`}`];
  }

  private blockSeq(items: readonly unknown[], indent: number): string[] {
    const r = this.rand;
    const pad = " ".repeat(indent);
    const lines: string[] = [];
    for (const item of items) {
      if (item !== null && typeof item === "object" && !Array.isArray(item) && Object.keys(item).length > 0 && !chance(r, 0.1)) {
        const props = this.properties();
        const inner = this.blockMap(item as Record<string, unknown>, indent + 2);
        if (props === "" && chance(r, 0.7)) {
          // Compact: the first entry on the dash's line.
          lines.push(`${pad}- ${inner[0]!.trimStart()}`, ...inner.slice(1));
        } else {
          lines.push(`${pad}- ${props}`.trimEnd(), ...inner);
        }
      } else if (Array.isArray(item) && item.length > 0 && !chance(r, 0.5)) {
        lines.push(`${pad}-`, ...this.blockSeq(item, indent + 2));
      } else if (item !== null && typeof item === "object") {
        lines.push(`${pad}- ${this.flow(item)}`);
      } else {
        const text = this.scalar(item);
        lines.push(`${pad}-${text === "" ? "" : ` ${text}`}`);
      }
    }
    return lines;
  }

  /** A flow node on one line (sometimes over several). */
  private flow(value: unknown): string {
    const r = this.rand;
    if (Array.isArray(value)) return `[${value.map((v) => this.flow(v)).join(chance(r, 0.2) ? ",\n  " : ", ")}]`;
    if (value !== null && typeof value === "object") {
      const parts = Object.entries(value).map(([k, v]) => `${/^[A-Za-z_][A-Za-z0-9_./-]*$/.test(k) && !chance(r, 0.3) ? k : JSON.stringify(k)}: ${this.flow(v)}`);
      return `{${parts.join(", ")}}`;
    }
    const text = this.scalar(value);
    return text === "" || /[,[\]{}]/.test(text) ? JSON.stringify(value ?? null) : text;
  }
}

/** Text-level forms of a whole stream. */
export function lineForms(text: string, rand: Rand): string {
  let out = text;
  if (chance(rand, 0.25)) out = out.replaceAll("\n", "\r\n");
  if (chance(rand, 0.15)) out = out.replaceAll(/(^|\n)---(\r?\n)/g, "$1\uFEFF---$2");
  if (chance(rand, 0.15)) out = `\uFEFF${out}`;
  return out;
}

/** JSON-level damage the YAML path reads otherwise than JSON.parse. */
export function damageJson(text: string, rand: () => number, damage: number): string {
  if (rand() >= damage) return text;
  const edits: ((t: string) => string)[] = [
    // A duplicate key.
    (t) => t.replace(/"name": ?"([^"]*)"/, '"name": "$1", "name": "dup"'),
    (t) => t.replace(/"kind": ?"([^"]*)"/, '"kind": "$1", "kind": "$1"'),
    (t) => t.replace(/: ?(\d+)([,\n }])/, ": -0$2"),
    (t) => t.replace(/: ?(\d+)([,\n }])/, ": 12345678901234567890$2"),
    (t) => t.replace(/: ?(\d+)([,\n }])/, ": 1e400$2"),
    (t) => t.replace(/: ?(\d+)([,\n }])/, ": 1.0e2$2"),
    (t) => t.replace(/"name": ?"/, '"name": "a\\u003ab'),
    (t) => t.replace(/"name": ?"/, '"name": "\\u00e9\\ud83d\\ude00\\/'),
    (t) => t.replace(/"labels": ?\{/, '"labels": {"__proto__": "x", '),
    (t) => t.replace(/"spec": ?\{/, `"spec": {"deep": ${"[".repeat(95)}${"]".repeat(95)}, `),
    (t) => t.replace(/"metadata": ?\{/, '"metadata": null, "x": {'),
    (t) => t.replace(/\n {4}/g, "\n\t"),
    (t) => `${t}\n# trailing YAML comment\n`,
    (t) => t.replace(/\}\s*$/, ",}"),
  ];
  return edits[Math.floor(rand() * edits.length)]!(text);
}
