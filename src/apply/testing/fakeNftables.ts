/**
 * Test support: an in-memory nf_tables behind an `Exec`, speaking the subset of `nft` the
 * nftables backend uses, as testing/fakeKernel.ts does for iptables and ipset: `nft -f -` and
 * `nft --check -f -` with our scripts (a table's declaration block, and the `add`, `delete` and
 * `flush` commands of an incremental transaction), `nft -j list table <family> <name>`, and the
 * probes (`readlink /proc/self/ns/net`, python3 reading the nf_tables generation).
 *
 * Like nft, a script is one transaction, all or nothing, checked command by command against
 * the state so far, and every committed transaction moves the generation. Not a full emulator:
 * it checks what the applier could get wrong, with nft's errors (`/dev/stdin:<line>:…`):
 * objects named before they exist (a rule's chain, a jump or goto target, a `@set`, an
 * element's set), deleting what is missing, in use (a chain jumped to, a set looked up) or not
 * empty, an existing set or base chain declared again differently, a prefix in a set without
 * `flags interval`, and overlapping intervals.
 */
import type { Exec, ExecResult } from "../execution/exec.js";
import type { ExecCall } from "./fakeExec.js";

interface FakeSet {
  readonly kind: "set" | "map";
  /** As declared: `ipv4_addr`, `ipv4_addr . inet_proto . inet_service`, `ifname : verdict`. */
  type: string;
  flags: string[];
  comment: string;
  /** Key (quotes removed, full-length prefixes as addresses) → map value ("" for a set). */
  readonly elements: Map<string, string>;
  readonly handle: number;
}

interface FakeRule {
  readonly text: string;
  readonly handle: number;
}

interface FakeChain {
  /** `type filter hook input priority 0; policy accept;` for a base chain. */
  header?: string;
  rules: FakeRule[];
  readonly handle: number;
}

interface FakeTable {
  readonly sets: Map<string, FakeSet>;
  readonly chains: Map<string, FakeChain>;
  readonly handle: number;
}

/** Tables by `<family> <name>`. */
type Ruleset = Map<string, FakeTable>;

function cloneRuleset(ruleset: Ruleset): Ruleset {
  return new Map(
    [...ruleset].map(([key, t]) => [
      key,
      {
        handle: t.handle,
        sets: new Map([...t.sets].map(([n, s]) => [n, { ...s, flags: [...s.flags], elements: new Map(s.elements) }])),
        chains: new Map([...t.chains].map(([n, c]) => [n, { ...c, rules: [...c.rules] }])),
      },
    ]),
  );
}

class NftError extends Error {}

/** Splits `a, b, c` at top-level commas (none of our elements contains one). */
function splitElements(text: string): string[] {
  return text
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
}

/** `"x"` → `x`. */
function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
}

/** An IPv4 or IPv6 address as a number, or undefined. */
function addressValue(text: string): { value: bigint; bits: number } | undefined {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(text)) {
    const octets = text.split(".").map(Number);
    if (octets.some((o) => o > 255)) return undefined;
    return { value: octets.reduce((v, o) => (v << 8n) | BigInt(o), 0n), bits: 32 };
  }
  if (!text.includes(":") || !/^[0-9a-fA-F:]+$/.test(text)) return undefined;
  const [head = "", tail] = text.split("::");
  const groups = (s: string): string[] => (s === "" ? [] : s.split(":"));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  if (all.length !== 8) return undefined;
  return { value: all.reduce((v, g) => (v << 16n) | BigInt(parseInt(g, 16)), 0n), bits: 128 };
}

/** The address range of an interval set element (an address or a prefix). */
function interval(element: string): { lo: bigint; hi: bigint } | undefined {
  const [address = "", length] = element.split("/");
  const parsed = addressValue(address);
  if (parsed === undefined) return undefined;
  const size = 1n << BigInt(parsed.bits - (length === undefined ? parsed.bits : Number(length)));
  const lo = parsed.value - (parsed.value % size);
  return { lo, hi: lo + size - 1n };
}

/** Chains a rule or a map value jumps or goes to, and the sets and maps a rule looks up. */
function references(text: string): { chains: string[]; sets: string[] } {
  return {
    chains: [...text.matchAll(/\b(?:jump|goto) ([A-Za-z][\w/.\\-]*)/g)].map((m) => m[1] ?? ""),
    sets: [...text.matchAll(/@([A-Za-z][\w/.\\-]*)/g)].map((m) => m[1] ?? ""),
  };
}

export interface FakeNftables extends Exec {
  readonly calls: ExecCall[];
  /** Every table (ours and foreign) as plain text in a canonical order, handles left out. */
  list(): string;
  /** Makes the next call whose argv (joined) matches fail with exit 1 and `stderr`, doing nothing. */
  failNext(match: RegExp, stderr?: string): void;
  /** The nf_tables generation: committed transactions so far. */
  readonly generation: () => number;
  /** Elements listed or fetched so far by `nft -j list` (what a read costs). */
  readonly listedElements: () => number;
}

export interface FakeNftablesOptions {
  /** What `readlink /proc/self/ns/net` prints (default `net:[4026531840]`). */
  readonly netns?: string;
  /** Whether python3 exists, to read the nf_tables generation (default true). */
  readonly python?: boolean;
}

/** A fake node with nft, starting from the tables `initial` (an `nft -f` script) declares. */
export function fakeNftables(initial = "", options: FakeNftablesOptions = {}): FakeNftables {
  let ruleset: Ruleset = new Map();
  let generation = 1;
  let handles = 1;
  let listed = 0;
  const calls: ExecCall[] = [];
  const failures: { match: RegExp; stderr: string }[] = [];

  /** Runs `script` against a copy of the ruleset; the copy, or the error at its line. */
  function transaction(script: string): Ruleset {
    const rs = cloneRuleset(ruleset);
    const table = (family: string, name: string): FakeTable => {
      const t = rs.get(`${family} ${name}`);
      if (t === undefined) throw new NftError("No such file or directory");
      return t;
    };
    const ensureTable = (family: string, name: string): FakeTable => {
      const key = `${family} ${name}`;
      const t = rs.get(key) ?? { sets: new Map(), chains: new Map(), handle: handles++ };
      rs.set(key, t);
      return t;
    };
    const set = (t: FakeTable, name: string): FakeSet => {
      const s = t.sets.get(name);
      if (s === undefined) throw new NftError("No such file or directory");
      return s;
    };
    const chain = (t: FakeTable, name: string): FakeChain => {
      const c = t.chains.get(name);
      if (c === undefined) throw new NftError("No such file or directory");
      return c;
    };
    const declareSet = (t: FakeTable, kind: "set" | "map", name: string, properties: readonly string[]): FakeSet => {
      const type = properties.find((p) => p.startsWith("type "))?.slice(5) ?? "";
      const flags = (properties.find((p) => p.startsWith("flags "))?.slice(6) ?? "").split(",").filter((f) => f !== "");
      const comment = unquote(properties.find((p) => p.startsWith("comment "))?.slice(8) ?? "");
      const had = t.sets.get(name);
      if (had !== undefined) {
        if (had.kind !== kind || had.type !== type || had.flags.join(",") !== flags.join(",")) throw new NftError("File exists");
        return had;
      }
      const s: FakeSet = { kind, type, flags, comment, elements: new Map(), handle: handles++ };
      t.sets.set(name, s);
      return s;
    };
    const declareChain = (t: FakeTable, name: string, header: string | undefined): FakeChain => {
      const had = t.chains.get(name);
      if (had !== undefined) {
        if (header !== undefined && had.header !== header) throw new NftError("File exists");
        return had;
      }
      const c: FakeChain = { rules: [], handle: handles++, ...(header === undefined ? {} : { header }) };
      t.chains.set(name, c);
      return c;
    };
    /**
     * Inside a table block nft declares every chain and set before it adds rules and elements,
     * so references there are checked when the block closes; a command's are checked at once.
     */
    let deferred: { line: number; check: () => void }[] | undefined;
    let at = 0;
    const checked = (check: () => void): void => {
      if (deferred === undefined) check();
      else deferred.push({ line: at, check });
    };
    const checkReferences = (t: FakeTable, text: string): void => {
      checked(() => {
        const refs = references(text);
        if (refs.chains.some((c) => !t.chains.has(c)) || refs.sets.some((s) => !t.sets.has(s))) throw new NftError("No such file or directory");
      });
    };
    const addRule = (t: FakeTable, c: FakeChain, text: string): void => {
      checkReferences(t, text);
      c.rules.push({ text, handle: handles++ });
    };
    const elementKey = (s: FakeSet, text: string): { key: string; value: string } => {
      if (s.kind === "map") {
        const colon = text.indexOf(" : ");
        return { key: unquote(text.slice(0, colon).trim()), value: text.slice(colon + 3).trim() };
      }
      const parts = text.split(" . ").map((p) => p.trim());
      const first = parts[0] ?? "";
      if (first.includes("/")) {
        if (!s.flags.includes("interval")) throw new NftError("Set member cannot be prefix, missing interval flag on declaration");
        const [address = "", length] = first.split("/");
        const full = addressValue(address)?.bits;
        if (full !== undefined && Number(length) === full) parts[0] = address;
      }
      return { key: parts.join(" . "), value: "" };
    };
    const addElements = (t: FakeTable, s: FakeSet, list: readonly string[]): void => {
      for (const text of list) {
        const { key, value } = elementKey(s, text);
        if (s.kind === "map") checkReferences(t, value);
        if (s.flags.includes("interval") && !s.elements.has(key)) {
          const range = interval(key);
          const clash = range !== undefined && [...s.elements.keys()].some((k) => {
            const other = interval(k);
            return other !== undefined && other.lo <= range.hi && range.lo <= other.hi;
          });
          if (clash) throw new NftError("conflicting intervals specified");
        }
        s.elements.set(key, value);
      }
    };
    const inUse = (t: FakeTable, what: { chain?: string; set?: string }): boolean => {
      for (const c of t.chains.values()) {
        for (const r of c.rules) {
          const refs = references(r.text);
          if ((what.chain !== undefined && refs.chains.includes(what.chain)) || (what.set !== undefined && refs.sets.includes(what.set))) return true;
        }
      }
      return what.chain !== undefined && [...t.sets.values()].some((s) => [...s.elements.values()].some((v) => references(v).chains.includes(what.chain ?? "")));
    };

    /** Open blocks, innermost last. */
    type SetBlock = { kind: "set"; table: FakeTable; setKind: "set" | "map"; name: string; properties: string[]; set?: FakeSet };
    type Block = { kind: "table"; table: FakeTable } | SetBlock | { kind: "elements"; table: FakeTable; set: FakeSet } | { kind: "chain"; table: FakeTable; chain: FakeChain };
    /** A set block's set, declared at its `elements` line or, without one, when it closes. */
    const blockSet = (b: SetBlock): FakeSet => (b.set ??= declareSet(b.table, b.setKind, b.name, b.properties));
    const blocks: Block[] = [];
    const lines = script.split("\n");
    let m: RegExpExecArray | null;
    const fail = (at: number, why: string): NftError => {
      const raw = lines[at] ?? "";
      return new NftError(`/dev/stdin:${at + 1}:1-${raw.length}: Error: Could not process rule: ${why}\n${raw}\n`);
    };
    for (let i = 0; i < lines.length; i++) {
      at = i;
      const line = (lines[i] ?? "").trim();
      try {
        const open = blocks.at(-1);
        if (line === "" || line.startsWith("#")) continue;
        if (open !== undefined) {
          if (line === "}") {
            if (open.kind === "set") blockSet(open);
            blocks.pop();
            if (open.kind === "table") {
              for (const d of deferred ?? []) {
                try {
                  d.check();
                } catch (e) {
                  throw e instanceof NftError ? fail(d.line, e.message) : e;
                }
              }
              deferred = undefined;
            }
            continue;
          }
          switch (open.kind) {
            case "table":
              if ((m = /^(set|map) (\S+) \{$/.exec(line))) {
                const setKind = m[1] as "set" | "map";
                blocks.push({ kind: "set", table: open.table, setKind, name: m[2] ?? "", properties: [] });
              } else if ((m = /^chain (\S+) \{$/.exec(line))) {
                blocks.push({ kind: "chain", table: open.table, chain: declareChain(open.table, m[1] ?? "", undefined) });
              } else throw new NftError("syntax error");
              break;
            case "set":
              if (line === "elements = {") blocks.push({ kind: "elements", table: open.table, set: blockSet(open) });
              else open.properties.push(line);
              break;
            case "elements":
              addElements(open.table, open.set, splitElements(line));
              break;
            case "chain":
              if (/^type \S+ hook /.test(line)) {
                if (open.chain.rules.length > 0) throw new NftError("syntax error");
                open.chain.header = line;
              } else addRule(open.table, open.chain, line);
              break;
          }
          continue;
        }
        if ((m = /^table (\S+) (\S+) \{\}$/.exec(line))) ensureTable(m[1] ?? "", m[2] ?? "");
        else if ((m = /^table (\S+) (\S+) \{$/.exec(line))) {
          blocks.push({ kind: "table", table: ensureTable(m[1] ?? "", m[2] ?? "") });
          deferred = [];
        }
        else if ((m = /^delete table (\S+) (\S+)$/.exec(line))) {
          table(m[1] ?? "", m[2] ?? "");
          rs.delete(`${m[1]} ${m[2]}`);
        } else if ((m = /^add (set|map) (\S+) (\S+) (\S+) \{ (.*) \}$/.exec(line))) {
          const properties = (m[5] ?? "").split(";").map((p) => p.trim()).filter((p) => p !== "");
          declareSet(table(m[2] ?? "", m[3] ?? ""), m[1] as "set" | "map", m[4] ?? "", properties);
        } else if ((m = /^add chain (\S+) (\S+) (\S+)(?: \{ (.*) \})?$/.exec(line))) {
          declareChain(table(m[1] ?? "", m[2] ?? ""), m[3] ?? "", m[4]);
        } else if ((m = /^(add|delete) element (\S+) (\S+) (\S+) \{ (.*) \}$/.exec(line))) {
          const t = table(m[2] ?? "", m[3] ?? "");
          const s = set(t, m[4] ?? "");
          if (m[1] === "add") addElements(t, s, splitElements(m[5] ?? ""));
          else {
            for (const text of splitElements(m[5] ?? "")) {
              const key = s.kind === "map" ? unquote(text) : elementKey(s, text).key;
              if (!s.elements.delete(key)) throw new NftError("No such file or directory");
            }
          }
        } else if ((m = /^flush chain (\S+) (\S+) (\S+)$/.exec(line))) {
          chain(table(m[1] ?? "", m[2] ?? ""), m[3] ?? "").rules = [];
        } else if ((m = /^add rule (\S+) (\S+) (\S+) (.+)$/.exec(line))) {
          const t = table(m[1] ?? "", m[2] ?? "");
          addRule(t, chain(t, m[3] ?? ""), m[4] ?? "");
        } else if ((m = /^delete chain (\S+) (\S+) (\S+)$/.exec(line))) {
          const t = table(m[1] ?? "", m[2] ?? "");
          if (chain(t, m[3] ?? "").rules.length > 0 || inUse(t, { chain: m[3] ?? "" })) throw new NftError("Device or resource busy");
          t.chains.delete(m[3] ?? "");
        } else if ((m = /^delete (set|map) (\S+) (\S+) (\S+)$/.exec(line))) {
          const t = table(m[2] ?? "", m[3] ?? "");
          if (set(t, m[4] ?? "").kind !== m[1]) throw new NftError("No such file or directory");
          if (inUse(t, { set: m[4] ?? "" })) throw new NftError("Device or resource busy");
          t.sets.delete(m[4] ?? "");
        } else throw new NftError("syntax error, unexpected command");
      } catch (e) {
        if (!(e instanceof NftError) || e.message.startsWith("/dev/stdin:")) throw e;
        throw fail(i, e.message);
      }
    }
    if (blocks.length > 0) throw new NftError(`/dev/stdin:${lines.length}:1-1: Error: syntax error, unexpected end of file\n`);
    return rs;
  }

  const jsonElement = (s: FakeSet, key: string, value: string): unknown => {
    if (s.kind === "map") {
      const [verb = "", target = ""] = value.split(" ");
      return [key, { [verb]: { target } }];
    }
    const parts = key.split(" . ");
    if (parts.length > 1) return { concat: parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p)) };
    const [addr = "", len] = key.split("/");
    return len === undefined ? addr : { prefix: { addr, len: Number(len) } };
  };

  function listTable(family: string, name: string): ExecResult {
    const t = ruleset.get(`${family} ${name}`);
    if (t === undefined) return { code: 1, stdout: "", stderr: `Error: No such file or directory\nlist table ${family} ${name}\n` };
    const items: unknown[] = [{ metainfo: { version: "1.0.6", json_schema_version: 1 } }, { table: { family, name, handle: t.handle } }];
    for (const [setName, s] of t.sets) {
      listed += s.elements.size;
      const [keyType = "", mapType] = s.type.split(" : ");
      const keyTypes = keyType.split(" . ");
      const body = {
        family,
        name: setName,
        table: name,
        type: keyTypes.length > 1 ? keyTypes : keyType,
        handle: s.handle,
        ...(mapType === undefined ? {} : { map: mapType }),
        ...(s.flags.length === 0 ? {} : { flags: s.flags }),
        ...(s.comment === "" ? {} : { comment: s.comment }),
        ...(s.elements.size === 0 ? {} : { elem: [...s.elements].map(([k, v]) => jsonElement(s, k, v)) }),
      };
      items.push(s.kind === "map" ? { map: body } : { set: body });
    }
    for (const [chainName, c] of t.chains) {
      const hook = c.header === undefined ? undefined : /^type (\S+) hook (\S+) priority (-?\d+); policy (\S+);$/.exec(c.header);
      items.push({ chain: { family, table: name, name: chainName, handle: c.handle, ...(hook === null || hook === undefined ? {} : { type: hook[1], hook: hook[2], prio: Number(hook[3]), policy: hook[4] }) } });
    }
    for (const [chainName, c] of t.chains) {
      for (const r of c.rules) {
        const comment = /comment "([^"]*)"$/.exec(r.text)?.[1];
        items.push({ rule: { family, table: name, chain: chainName, handle: r.handle, ...(comment === undefined ? {} : { comment }), expr: [] } });
      }
    }
    return { code: 0, stdout: `${JSON.stringify({ nftables: items })}\n`, stderr: "" };
  }

  if (initial !== "") ruleset = transaction(initial);

  return {
    calls,
    generation: () => generation,
    listedElements: () => listed,
    failNext(match, stderr = "injected failure\n") {
      failures.push({ match, stderr });
    },
    list() {
      const out: string[] = [];
      for (const key of [...ruleset.keys()].sort()) {
        const t = ruleset.get(key);
        if (t === undefined) continue;
        out.push(`table ${key}`);
        for (const name of [...t.sets.keys()].sort()) {
          const s = t.sets.get(name);
          if (s === undefined) continue;
          out.push(`  ${s.kind} ${name} type ${s.type}${s.flags.length > 0 ? ` flags ${s.flags.join(",")}` : ""}`);
          for (const [k, v] of [...s.elements].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out.push(`    ${k}${v === "" ? "" : ` : ${v}`}`);
        }
        for (const name of [...t.chains.keys()].sort()) {
          const c = t.chains.get(name);
          if (c === undefined) continue;
          out.push(`  chain ${name}${c.header === undefined ? "" : ` { ${c.header} }`}`);
          for (const r of c.rules) out.push(`    ${r.text}`);
        }
      }
      return `${out.join("\n")}\n`;
    },
    run(argv, stdin = "") {
      calls.push({ argv: [...argv], stdin });
      const command = argv.join(" ");
      const failure = failures.findIndex((f) => f.match.test(command));
      if (failure >= 0) {
        const [f] = failures.splice(failure, 1);
        return Promise.resolve({ code: 1, stdout: "", stderr: f?.stderr ?? "" });
      }
      const [program = "", ...args] = argv;
      let result: ExecResult = { code: 127, stdout: "", stderr: `${program}: not found\n` };
      if (program === "readlink") result = { code: 0, stdout: `${options.netns ?? "net:[4026531840]"}\n`, stderr: "" };
      else if (/python3$/.test(program) && options.python !== false) result = { code: 0, stdout: `${generation}\n`, stderr: "" };
      else if (program === "nft" && args[0] === "-j" && args[1] === "list" && args[2] === "table") result = listTable(args[3] ?? "", args[4] ?? "");
      else if (program === "nft" && (command === "nft -f -" || command === "nft --check -f -")) {
        try {
          const next = transaction(stdin);
          if (command === "nft -f -") {
            ruleset = next;
            generation++;
          }
          result = { code: 0, stdout: "", stderr: "" };
        } catch (e) {
          if (!(e instanceof NftError)) throw e;
          result = { code: 1, stdout: "", stderr: e.message };
        }
      }
      return Promise.resolve(result);
    },
  };
}
