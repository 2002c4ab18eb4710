/**
 * Test support: an in-memory netfilter that speaks the subset of iptables-save/-restore and
 * ipset save/restore the applier uses, behind an `Exec`, so the whole apply (reads, checks,
 * commits, rollback) runs in unit tests. Like the real tools, an iptables-restore transaction is
 * all or nothing per call, and `ipset restore` stops at the first bad line with the lines before
 * it applied. Not a full emulator: it checks only what the applier could get wrong (missing
 * chains, out-of-range positions, deleting a referenced or non-empty chain, missing sets).
 */
import { PROTOCOL_NUMBERS } from "../../calico/protocols.js";
import type { Exec, ExecResult } from "../execution/exec.js";
import type { ExecCall } from "./fakeExec.js";

/** IP protocol numbers to the lower-case names ipset prints. */
const PROTOCOL_NAME_BY_NUMBER: ReadonlyMap<number, string> = new Map(Object.entries(PROTOCOL_NUMBERS).map(([name, n]) => [n, name.toLowerCase()] as const));

interface Chain {
  policy: string;
  rules: string[];
}
type Table = Map<string, Chain>;

const BUILTINS: Readonly<Record<string, readonly string[]>> = {
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  raw: ["PREROUTING", "OUTPUT"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
};

function emptyTable(name: string): Table {
  return new Map((BUILTINS[name] ?? []).map((c) => [c, { policy: "ACCEPT", rules: [] }]));
}

function cloneTable(t: Table): Table {
  return new Map([...t].map(([k, c]) => [k, { policy: c.policy, rules: [...c.rules] }]));
}

/** Parses iptables-save text into tables. */
export function parseTables(text: string): Map<string, Table> {
  const tables = new Map<string, Table>();
  let current: Table | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("*")) {
      current = new Map();
      tables.set(line.slice(1), current);
    } else if (current !== undefined && line.startsWith(":")) {
      const [name = "", policy = "-"] = line.slice(1).split(" ");
      current.set(name, { policy, rules: [] });
    } else if (current !== undefined && line.startsWith("-A ")) {
      const m = /^-A (\S+) (.*)$/.exec(line);
      if (m) current.get(m[1] as string)?.rules.push(m[2] as string);
    }
  }
  return tables;
}

export function saveTable(name: string, t: Table): string {
  const order = [...t.keys()];
  return `*${name}\n${order.map((n) => `:${n} ${t.get(n)?.policy} [0:0]\n`).join("")}${order.flatMap((n) => (t.get(n)?.rules ?? []).map((r) => `-A ${n} ${r}\n`)).join("")}COMMIT\n`;
}

/** Applies one `--noflush` transaction to a copy of `table`; throws `line N: why` on error. */
function restoreInto(table: Table, lines: readonly string[], lineOffset: number): Table {
  const t = cloneTable(table);
  const get = (name: string, n: number): Chain => {
    const c = t.get(name);
    if (c === undefined) throw new Error(`${n}: chain ${name} does not exist`);
    return c;
  };
  lines.forEach((line, i) => {
    const n = lineOffset + i;
    let m: RegExpExecArray | null;
    if ((m = /^:(\S+) - \[0:0\]$/.exec(line))) t.set(m[1] as string, { policy: "-", rules: [] });
    else if ((m = /^-A (\S+) (.*)$/.exec(line))) get(m[1] as string, n).rules.push(m[2] as string);
    else if ((m = /^-I (\S+) (\d+) (.*)$/.exec(line))) {
      const c = get(m[1] as string, n);
      if (Number(m[2]) > c.rules.length + 1) throw new Error(`${n}: index out of range`);
      c.rules.splice(Number(m[2]) - 1, 0, m[3] as string);
    } else if ((m = /^-R (\S+) (\d+) (.*)$/.exec(line))) {
      const c = get(m[1] as string, n);
      if (Number(m[2]) > c.rules.length) throw new Error(`${n}: index out of range`);
      c.rules[Number(m[2]) - 1] = m[3] as string;
    } else if ((m = /^-D (\S+) (\d+)$/.exec(line))) {
      const c = get(m[1] as string, n);
      if (Number(m[2]) > c.rules.length) throw new Error(`${n}: index out of range`);
      c.rules.splice(Number(m[2]) - 1, 1);
    } else if ((m = /^-D (\S+) (.*)$/.exec(line))) {
      const c = get(m[1] as string, n);
      const at = c.rules.indexOf(m[2] as string);
      if (at < 0) throw new Error(`${n}: no such rule`);
      c.rules.splice(at, 1);
    } else if ((m = /^-X (\S+)$/.exec(line))) {
      const name = m[1] as string;
      if (get(name, n).rules.length > 0) throw new Error(`${n}: chain ${name} is not empty`);
      for (const [, c] of t) if (c.rules.some((r) => r.endsWith(` ${name}`))) throw new Error(`${n}: chain ${name} is referenced`);
      t.delete(name);
    }
  });
  for (const [, c] of t) {
    for (const r of c.rules) {
      const target = /(?:-j|--jump|--goto|-g) (cali-\S+)$/.exec(r)?.[1];
      if (target !== undefined && !t.has(target)) throw new Error(`${lineOffset + lines.length}: jump to missing chain ${target}`);
    }
  }
  return t;
}

interface IpSet {
  header: string;
  members: string[];
}

export interface FakeKernel extends Exec {
  readonly calls: ExecCall[];
  /** `iptables-save` of every table of a family, in filter, raw, mangle, nat order. */
  save(family: 4 | 6): string;
  ipsetSave(): string;
  /** Makes the next call whose argv (joined) matches fail with exit 1 and `stderr`, doing nothing. */
  failNext(match: RegExp, stderr?: string): void;
  /** The nf_tables generation: committed iptables-nft transactions so far. */
  readonly generation: () => number;
}

export interface FakeKernelOptions {
  /** What `readlink /proc/self/ns/net` prints (default `net:[4026531840]`). */
  readonly netns?: string;
  /** Whether python3 exists, to read the nf_tables generation (default true). */
  readonly python?: boolean;
  /**
   * The version the restore tools print for `--version`, e.g. `v1.8.9` (then `iptables-restore
   * v1.8.9 (legacy)`); by default they print nothing, which the applier reads as an old version.
   */
  readonly version?: string;
}

/** A fake node with iptables-`mode` binaries, starting from iptables-save texts and ipset save text. */
export function fakeKernel(initial: { v4?: string; v6?: string; ipset?: string } = {}, mode: "legacy" | "nft" = "nft", options: FakeKernelOptions = {}): FakeKernel {
  let generation = 1;
  const families: Record<4 | 6, Map<string, Table>> = { 4: parseTables(initial.v4 ?? ""), 6: parseTables(initial.v6 ?? "") };
  const sets = new Map<string, IpSet>();
  for (const line of (initial.ipset ?? "").split("\n")) {
    const [verb, name, ...rest] = line.split(" ");
    if (verb === "create" && name) sets.set(name, { header: rest.join(" "), members: [] });
    if (verb === "add" && name) sets.get(name)?.members.push(rest.join(" "));
  }
  const calls: ExecCall[] = [];
  const failures: { match: RegExp; stderr: string }[] = [];
  const table = (family: 4 | 6, name: string): Table => families[family].get(name) ?? emptyTable(name);
  const save = (family: 4 | 6): string => ["filter", "raw", "mangle", "nat"].map((n) => saveTable(n, table(family, n))).join("");
  const ipsetSave = (): string => [...sets].map(([n, s]) => `create ${n} ${s.header}\n${s.members.map((m) => `add ${n} ${m}\n`).join("")}`).join("");

  function restoreIptables(family: 4 | 6, input: string, test: boolean): ExecResult {
    const lines = input.split("\n");
    const staged = new Map<string, Table>();
    let start = -1;
    let name = "";
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? "";
      if (line.startsWith("*")) {
        start = i;
        name = line.slice(1);
      } else if (line === "COMMIT") {
        try {
          staged.set(name, restoreInto(staged.get(name) ?? table(family, name), lines.slice(start + 1, i), start + 2));
        } catch (e) {
          const [at, why] = (e as Error).message.split(": ");
          return { code: 1, stdout: "", stderr: `iptables-restore: ${why}\nError occurred at line: ${at}\n` };
        }
      }
    }
    if (!test) for (const [n, t] of staged) families[family].set(n, t);
    if (!test && mode === "nft") generation++;
    return { code: 0, stdout: "", stderr: "" };
  }

  /** A member as the kernel holds and `ipset save` prints it: an address,port's protocol by name (`6:80` is `tcp:80`). */
  function heldMember(member: string): string {
    const m = /^([^,]*),(\d+):(.*)$/.exec(member);
    const name = m === null ? undefined : PROTOCOL_NAME_BY_NUMBER.get(Number(m[2]));
    return m === null || name === undefined ? member : `${m[1]},${name}:${m[3]}`;
  }

  function restoreIpset(input: string): ExecResult {
    const lines = input.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const [verb, name = "", ...rest] = (lines[i] ?? "").split(" ");
      const fail = (why: string): ExecResult => ({ code: 1, stdout: "", stderr: `ipset v7.17: Error in line ${i + 1}: ${why}\n` });
      const set = sets.get(name);
      if (verb === "create") {
        if (set !== undefined) return fail("Set cannot be created: set with the same name already exists");
        sets.set(name, { header: rest.join(" "), members: [] });
      } else if (verb === "add" || verb === "del") {
        if (set === undefined) return fail("The set with the given name does not exist");
        const member = heldMember(rest.join(" "));
        const at = set.members.indexOf(member);
        if (verb === "add" && at >= 0) return fail("Element cannot be added to the set: it's already added");
        if (verb === "del" && at < 0) return fail("Element cannot be deleted from the set: it's not added");
        if (verb === "add") set.members.push(member);
        else set.members.splice(at, 1);
      } else if (verb === "swap") {
        const other = sets.get(rest[0] ?? "");
        if (set === undefined || other === undefined) return fail("The set with the given name does not exist");
        sets.set(name, other);
        sets.set(rest[0] ?? "", set);
      } else if (verb === "destroy") {
        if (set === undefined) return fail("The set with the given name does not exist");
        const used = [4, 6].some((f) => [...families[f as 4 | 6].values()].some((t) => [...t.values()].some((c) => c.rules.some((r) => r.includes(`--match-set ${name} `)))));
        if (used) return fail("Set cannot be destroyed: it is in use by a kernel component");
        sets.delete(name);
      }
    }
    return { code: 0, stdout: "", stderr: "" };
  }

  const listTerse = (): string =>
    [...sets]
      .map(([n, s]) => {
        const [type = "", ...header] = s.header.split(" ");
        return `Name: ${n}\nType: ${type}\nRevision: 7\nHeader: ${header.join(" ")}\nSize in memory: 0\nReferences: 0\nNumber of entries: ${s.members.length}\n`;
      })
      .join("\n");
  const listChain = (family: 4 | 6, tableName: string, chain: string): ExecResult => {
    const c = table(family, tableName).get(chain);
    if (c === undefined) return { code: 1, stdout: "", stderr: `iptables: No chain/target/match by that name.\n` };
    const head = c.policy === "-" ? `-N ${chain}` : `-P ${chain} ${c.policy}`;
    return { code: 0, stdout: [head, ...c.rules.map((r) => `-A ${chain} ${r}`)].map((l) => `${l}\n`).join(""), stderr: "" };
  };

  return {
    calls,
    save,
    ipsetSave,
    generation: () => generation,
    failNext(match, stderr = "injected failure\n") {
      failures.push({ match, stderr });
    },
    run(argv, stdin = "") {
      calls.push({ argv: [...argv], stdin });
      const command = argv.join(" ");
      const failure = failures.findIndex((f) => f.match.test(command));
      if (failure >= 0) {
        const [f] = failures.splice(failure, 1);
        return Promise.resolve({ code: 1, stdout: "", stderr: f?.stderr ?? "" });
      }
      // `env NAME=value … program args` runs program (the environment is not modelled).
      const words = argv[0] === "env" ? argv.slice(1 + argv.slice(1).findIndex((w) => !/^[A-Z_]+=/.test(w))) : argv;
      const [program = "", ...args] = words;
      const tool = /^(ip6?)tables-(legacy|nft)-(save|restore)$/.exec(program);
      const lister = /^(ip6?)tables-(legacy|nft)$/.exec(program);
      let result: ExecResult = { code: 127, stdout: "", stderr: `${program}: not found\n` };
      if (lister !== null && lister[2] === mode && args.includes("-S")) {
        const at = (flag: string): string => args[args.indexOf(flag) + 1] ?? "";
        result = listChain(lister[1] === "ip6" ? 6 : 4, at("-t"), at("-S"));
      } else if (program === "readlink") {
        result = { code: 0, stdout: `${options.netns ?? "net:[4026531840]"}\n`, stderr: "" };
      } else if (/python3$/.test(program) && options.python !== false) {
        result = { code: 0, stdout: `${generation}\n`, stderr: "" };
      } else if (program === "ipset" && args[0] === "list" && args[1] === "-t") {
        result = { code: 0, stdout: listTerse(), stderr: "" };
      } else if (program === "ipset" && args[0] === "save" && args[1] !== undefined) {
        const set = sets.get(args[1]);
        result = set === undefined ? { code: 1, stdout: "", stderr: "ipset v7.17: The set with the given name does not exist\n" } : { code: 0, stdout: `create ${args[1]} ${set.header}\n${set.members.map((m) => `add ${args[1]} ${m}\n`).join("")}`, stderr: "" };
      } else if (tool !== null && tool[2] === mode) {
        const family = tool[1] === "ip6" ? 6 : 4;
        if (tool[3] === "restore" && args.includes("--version")) {
          result = { code: 0, stdout: options.version === undefined ? "" : `${tool[1]}tables-restore ${options.version} (${mode === "legacy" ? "legacy" : "nf_tables"})\n`, stderr: "" };
        } else if (tool[3] === "save") {
          const t = args[0] === "-t" ? args[1] : undefined;
          result = { code: 0, stdout: t === undefined ? save(family) : saveTable(t, table(family, t)), stderr: "" };
        } else {
          result = restoreIptables(family, stdin, args.includes("--test"));
        }
      } else if (program === "ipset" && args[0] === "save") {
        result = { code: 0, stdout: ipsetSave(), stderr: "" };
      } else if (program === "ipset" && args[0] === "restore") {
        result = restoreIpset(stdin);
      } else if (program === "cat") {
        result = { code: 0, stdout: "", stderr: "" };
      }
      return Promise.resolve(result);
    },
  };
}

/**
 * iptables-save or ipset save text in an order-free form: chain declarations sorted, rules
 * grouped by chain (order inside a chain kept), sets sorted with sorted members, comments and
 * counters dropped. Two dumps of the same ruleset compare equal whatever order the chains and
 * sets were created in.
 */
export function canonicalDump(text: string): string {
  const out: string[] = [];
  let block: string[] = [];
  const flush = (): void => {
    const decls = block.filter((l) => l.startsWith(":")).map((l) => l.replace(/\[\d+:\d+\]$/, "")).sort();
    const rules = block.filter((l) => l.startsWith("-A "));
    const chains = [...new Set(rules.map((l) => l.split(" ")[1] ?? ""))].sort();
    for (const line of [...decls, ...chains.flatMap((c) => rules.filter((l) => l.split(" ")[1] === c))]) out.push(line);
    block = [];
  };
  const sets = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    if (line.startsWith("*")) {
      flush();
      out.push(line);
    } else if (line === "COMMIT") {
      flush();
      out.push(line);
    } else if (line.startsWith("create ")) {
      const name = line.split(" ")[1] ?? "";
      // hashsize, bucketsize and initval vary between creations of the same set.
      sets.set(name, [line.replace(/ (hashsize|bucketsize|initval) \S+/g, "")]);
    } else if (line.startsWith("add ")) {
      sets.get(line.split(" ")[1] ?? "")?.push(line);
    } else {
      block.push(line);
    }
  }
  flush();
  for (const name of [...sets.keys()].sort()) {
    const [create = "", ...members] = sets.get(name) ?? [];
    out.push(create, ...members.sort());
  }
  return `${out.join("\n")}\n`;
}
