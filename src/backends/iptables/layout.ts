/**
 * The iptables backend's layout: what it writes, as data, in the manner of Felix's generictables
 * (felix/generictables/rules.go and table.go: a `Table` of named `Chain`s of `Rule`s, each rule
 * carrying its chained hash, plus the rules inserted into or appended to the kernel chains,
 * `InsertOrAppendRules`), and the ipsets the rules refer to.
 *
 * Built once from the IR (buildLayout.ts, also from an IR delta), then read by everything that
 * needs the backend's output: the restore files (`renderIptables`), the applier's desired state
 * and `explain --rules`. Every rule is rendered and hashed once, here; nobody renders again or
 * parses our output back.
 *
 * The objects are immutable values and print themselves as `iptables-restore` / `ipset restore`
 * lines. A layout built from a delta shares every object that did not change with the layout it
 * was built from, so identity (`===`) means "unchanged".
 */
import type { Family, KernelChain, Match, TableName } from "../../compiler/ir/types.js";
import { hashComment } from "./renderRule.js";

/** A `ports` match: the part of a split copy that differs from its siblings. */
export type PortsMatch = Extract<Match, { kind: "ports" }>;

/** One rule of one of our chains (Felix's generictables `Rule`, rendered). */
export class IptablesRule {
  constructor(
    /** Felix's chained hash, which the rule carries as `cali:<hash>` (ruleHash.ts). */
    readonly hash: string,
    /**
     * The rule as iptables-restore takes it after `-A <chain> `: the hash comment first, then
     * the human comments, the matches in Felix's order and the action.
     */
    readonly spec: string,
    /** The position, in its IR chain, of the IR rule this one renders. */
    readonly source: number,
    /**
     * When the IR rule's port lists overflowed multiport and were split into several rules
     * (multiport.ts): this copy's `ports` matches, to tell the copies apart. Absent otherwise.
     */
    readonly split?: readonly PortsMatch[],
  ) {}

  /** The spec without its hash comment: what `explain --rules` shows. */
  body(): string {
    return this.spec.slice(hashComment(this.hash).length + 1);
  }
}

/** One of our rules in a kernel chain: inserted at the top or appended (Felix's hooks). */
export class IptablesHookRule extends IptablesRule {
  constructor(
    hash: string,
    spec: string,
    /** The position of the IR hook among the table's hooks into the same kernel chain. */
    source: number,
    readonly position: "insert" | "append",
  ) {
    super(hash, spec, source);
  }
}

/** One of our chains (`cali-…`, shortened to 28 characters) with its rules. */
export class IptablesChain {
  constructor(
    /** The iptables name (chainNames.ts). */
    readonly name: string,
    /** The IR's logical name it was built from. */
    readonly logical: string,
    readonly rules: readonly IptablesRule[],
  ) {}

  /** `:<name> - [0:0]`: in a restore, creates the chain or flushes it. */
  declaration(): string {
    return `:${this.name} - [0:0]`;
  }

  /** Appends the chain's `-A <name> <spec>` lines to `out`. */
  printRules(out: string[]): void {
    for (const rule of this.rules) out.push(`-A ${this.name} ${rule.spec}`);
  }
}

/**
 * Our rules in one kernel chain, in IR order. Their hashes are chained over all of them with the
 * kernel chain's name as seed, whatever their position (Felix's insert and append hashes).
 */
export class IptablesHooks {
  constructor(
    readonly kernelChain: KernelChain,
    readonly rules: readonly IptablesHookRule[],
  ) {}

  /**
   * Appends the restore lines: `-I <kernel chain> <n>`, numbered 1, 2, … so the inserted rules
   * end up on top in IR order, and `-A <kernel chain>` for the appended ones.
   */
  printRules(out: string[]): void {
    let position = 0;
    for (const rule of this.rules) {
      out.push(rule.position === "insert" ? `-I ${this.kernelChain} ${++position} ${rule.spec}` : `-A ${this.kernelChain} ${rule.spec}`);
    }
  }
}

/** One iptables table (Felix's generictables `Table`): our chains and our kernel-chain rules. */
export class IptablesTable {
  constructor(
    readonly name: TableName,
    /** In IR order (sorted by logical name). */
    readonly chains: readonly IptablesChain[],
    /** One entry per kernel chain we hook into, in the order the IR first names them. */
    readonly hooks: readonly IptablesHooks[],
  ) {}

  /**
   * Appends the table's part of an `iptables-restore --noflush` input: `*<table>`, a declaration
   * for each of OUR chains only (never a kernel chain: that would reset its policy and
   * counters), every chain's rules, the hook rules, `COMMIT`.
   */
  printRestore(out: string[]): void {
    out.push(`*${this.name}`);
    for (const chain of this.chains) out.push(chain.declaration());
    for (const chain of this.chains) chain.printRules(out);
    for (const hooks of this.hooks) hooks.printRules(out);
    out.push("COMMIT");
  }
}

/** An ipset (Felix's `cali40…`/`cali60…` sets): what `ipset create` fixes, and the members. */
export class Ipset {
  constructor(
    /** The ipset name (renderIpset.ts `ipsetName`). */
    readonly name: string,
    readonly type: "hash:net" | "hash:ip,port",
    readonly family: Family,
    readonly maxelem: number,
    /** What the set stands for, escaped for a comment line. */
    readonly comment: string,
    /** Sorted, de-duplicated, each one token (`10.0.0.0/24`, `10.0.0.1,tcp:8080`). */
    readonly members: readonly string[],
  ) {}

  /** `inet` or `inet6`, ipset's family keyword. */
  familyKeyword(): "inet" | "inet6" {
    return this.family === 4 ? "inet" : "inet6";
  }

  /** `hash:net family inet maxelem 1048576`: the options of `create`. */
  options(): string {
    return `${this.type} family ${this.familyKeyword()} maxelem ${this.maxelem}`;
  }

  /**
   * Appends the restore lines that (re)fill the set the way Felix's full rewrite does
   * (felix/ipsets/ipsets.go, `writeFullRewrite`): create it if missing, fill the temporary set
   * `temp` of the same type, swap the two and destroy the temporary, so each set's members are
   * replaced atomically and no rule ever sees it missing.
   */
  printRestore(temp: string, out: string[]): void {
    out.push(`# ${this.comment}`, `create ${this.name} ${this.options()} -exist`, `create ${temp} ${this.options()} -exist`, `flush ${temp}`);
    // The closing lines are made before the member loop: V8 optimizes this function while it is
    // in the loop (on-stack replacement), and property reads after the loop then had no type
    // feedback yet, which sent it back to the interpreter on every set.
    const swap = `swap ${this.name} ${temp}`;
    const destroy = `destroy ${temp}`;
    const prefix = `add ${temp} `;
    // One push per member: spreading a million members as arguments overflows the stack.
    for (const member of this.members) out.push(prefix + member);
    out.push(swap, destroy);
  }
}

/** One family's tables and sets. */
export interface IptablesFamilyLayout {
  readonly family: Family;
  /** In IR order (filter, raw, mangle, nat; only tables we have chains in). */
  readonly tables: readonly IptablesTable[];
  /** In IR order (by id). */
  readonly sets: readonly Ipset[];
}

/** Everything the iptables backend writes on a node. */
export interface IptablesLayout {
  readonly v4: IptablesFamilyLayout;
  readonly v6: IptablesFamilyLayout;
}
