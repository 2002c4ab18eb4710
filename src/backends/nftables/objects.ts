/**
 * nftables objects as typed values that print themselves, in the manner of knftables
 * (sigs.k8s.io/knftables, types.go and objects.go): a `Table`, `Chain`s (base chains with their
 * hook), `Rule`s (the rule text and, apart from it, its comment), `Set`s and `Map`s (their
 * declaration, apart from their elements) and `Element`s (a key in nft syntax, and for a map a
 * value). Each object is immutable and knows its own nft syntax: the declaration block that an
 * `nft -f` script writes inside `table … { }` (what our ruleset.nft holds), and the parts that a
 * transaction's commands take (`add rule <table> <chain> <text>`, `add set … { <properties> }`).
 *
 * Unlike knftables, an object does not repeat its table's family and name (our objects always
 * live in one of our two tables, which `NftTable` names), a chain holds its rules (the layout
 * keeps a chain whole), and an element's key is one string (a concatenation already joined by
 * ` . `): a set of a million elements costs one small object per element, not two arrays more.
 *
 * Objects also record what in the IR they stand for (`origin`, `dispatch`, `source`), which the
 * layout's incremental build and `explain --rules` read; printing ignores it.
 */
import type { KernelChain, TableName } from "../../compiler/ir/types.js";
import type { DispatchMap } from "./dispatchMaps.js";

const INDENT = "\t";

/** The nft families of our tables. */
export type NftFamily = "ip" | "ip6";

/** One of our tables (`ip policyc`, `ip6 policyc`). */
export class NftTable {
  constructor(
    readonly family: NftFamily,
    readonly name: string,
  ) {}

  /** How commands name the table: `ip policyc`. */
  ref(): string {
    return `${this.family} ${this.name}`;
  }

  /**
   * The script lines that open the table from scratch inside one transaction, whether or not it
   * exists: create it empty, delete it, open its declaration (closed by `}`).
   */
  recreate(): string[] {
    return [`table ${this.ref()} {}`, `delete table ${this.ref()}`, `table ${this.ref()} {`];
  }
}

/** `counter …` rule text and its comment (knftables' `Rule.Rule` and `Rule.Comment`). */
export class NftRule {
  constructor(
    /** The rule's statements without the comment: `ip saddr @s counter accept`. */
    readonly rule: string,
    /** `cali:<hash>;` followed by the human comments, at most 128 bytes. */
    readonly comment: string,
    /** Felix's chained hash of the rule, as carried in the comment. */
    readonly hash: string,
    /**
     * What the rule renders: the position of the IR rule in its IR chain, or of the hook among
     * the table's hooks into the same kernel chain; -1 for a verdict-map lookup.
     */
    readonly source: number,
  ) {}

  /** The rule as a chain block and `add rule` take it: `<rule> comment "<comment>"`. */
  text(): string {
    return `${this.rule} comment "${this.comment}"`;
  }
}

/** A base chain's hook (knftables' chain Type, Hook, Priority and Policy). */
export interface NftHook {
  readonly type: "filter" | "nat" | "route";
  readonly hook: "prerouting" | "input" | "forward" | "output" | "postrouting";
  readonly priority: number;
  readonly policy: "accept";
}

/** What a chain renders. */
export type NftChainOrigin =
  /** A base chain holding the hooks of one kernel chain of a logical table. */
  | { readonly kind: "hooks"; readonly table: TableName; readonly kernelChain: KernelChain }
  /** One IR chain, rule for rule. */
  | { readonly kind: "chain"; readonly table: TableName; readonly logical: string }
  /** The root of an interface dispatch tree: its verdict-map lookup and its final rule. */
  | { readonly kind: "dispatch"; readonly table: TableName; readonly logical: string };

export class NftChain {
  constructor(
    readonly name: string,
    readonly rules: readonly NftRule[],
    readonly origin: NftChainOrigin,
    /** Present for a base chain. */
    readonly hook?: NftHook,
  ) {}

  /** `type filter hook input priority 0; policy accept;` for a base chain, else undefined. */
  header(): string | undefined {
    const h = this.hook;
    return h === undefined ? undefined : `type ${h.type} hook ${h.hook} priority ${h.priority}; policy ${h.policy};`;
  }

  /** Appends the chain's declaration block (one tab in, its lines two) to `out`. */
  printBlock(out: string[]): void {
    out.push(`${INDENT}chain ${this.name} {`);
    const header = this.header();
    if (header !== undefined) out.push(`${INDENT}${INDENT}${header}`);
    for (const rule of this.rules) out.push(`${INDENT}${INDENT}${rule.text()}`);
    out.push(`${INDENT}}`);
  }
}

/** A set or map element (knftables' `Element`): a key, and for a map a value, in nft syntax. */
export class NftElement {
  constructor(
    /** `10.0.0.0/24`, `10.0.0.1 . tcp . 8080`, `"cali1234"`. */
    readonly key: string,
    /** A map element's value: `goto filter-cali-fw-cali1234`. */
    readonly value?: string,
  ) {}

  /** `key`, or `key : value`: how a declaration and `add element` list it. */
  text(): string {
    return this.value === undefined ? this.key : `${this.key} : ${this.value}`;
  }
}

/** `elements = { … }`, one element a line (readable diffs of big sets); nothing when empty. */
function printElements(elements: readonly NftElement[], out: string[]): void {
  if (elements.length === 0) return;
  const pad = INDENT.repeat(2);
  out.push(`${pad}elements = {`);
  // One push per element: spreading a million elements as arguments overflows the stack.
  elements.forEach((e, i) => out.push(`${pad}${INDENT}${e.text()}${i < elements.length - 1 ? "," : ""}`));
  out.push(`${pad}}`);
}

/** A named set (knftables' `Set`) with its elements. */
export class NftSet {
  readonly kind = "set";

  constructor(
    readonly name: string,
    /** The key type: `ipv4_addr`, `ipv4_addr . inet_proto . inet_service`. */
    readonly type: string,
    readonly flags: readonly ("interval")[],
    /** Escaped and cut to 128 bytes; "" for none. */
    readonly comment: string,
    readonly elements: readonly NftElement[],
  ) {}

  /** The declaration's properties, as `add set … { p1; p2; }` and the block take them. */
  properties(): string[] {
    const out = [`type ${this.type}`];
    if (this.flags.length > 0) out.push(`flags ${this.flags.join(",")}`);
    if (this.comment !== "") out.push(`comment "${this.comment}"`);
    return out;
  }

  /** Appends the set's declaration block to `out`. */
  printBlock(out: string[]): void {
    out.push(`${INDENT}set ${this.name} {`);
    for (const p of this.properties()) out.push(`${INDENT}${INDENT}${p}`);
    printElements(this.elements, out);
    out.push(`${INDENT}}`);
  }
}

/** Where a verdict map comes from: a dispatch tree of a logical table (dispatchMaps.ts). */
export interface NftMapDispatch extends DispatchMap {
  readonly table: TableName;
}

/** A named map (knftables' `Map`) with its elements: here always an interface verdict map. */
export class NftMap {
  readonly kind = "map";

  constructor(
    readonly name: string,
    /** Key and value types: `ifname : verdict`. */
    readonly type: string,
    readonly elements: readonly NftElement[],
    /** The dispatch tree the map flattens (elements in the order of its entries). */
    readonly dispatch: NftMapDispatch,
  ) {}

  properties(): string[] {
    return [`type ${this.type}`];
  }

  /** Appends the map's declaration block to `out`. */
  printBlock(out: string[]): void {
    out.push(`${INDENT}map ${this.name} {`);
    for (const p of this.properties()) out.push(`${INDENT}${INDENT}${p}`);
    printElements(this.elements, out);
    out.push(`${INDENT}}`);
  }
}
