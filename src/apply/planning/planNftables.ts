/**
 * The pure nftables planner: one `nft -f` transaction holding only what differs, so the update
 * is all or nothing (the dataplane reference §6, Felix's order):
 * 1. new sets and maps (declared empty) and new chains;
 * 2. stale elements deleted;
 * 3. chains flushed: stale ones (severing their jumps), changed ones (nft has no in-place rule
 *    replace by position), and those that look up a set being replaced;
 * 4. sets whose type or flags change replaced: deleted (nothing refers to them any more) and
 *    declared anew, since nft cannot change a set's type or flags in place;
 * 5. new set elements added;
 * 6. the flushed chains that stay, and the new ones, filled;
 * 7. new map elements added (after the chains they go to);
 * 8. stale sets and maps, then stale chains, deleted: a map's element that goes to a chain
 *    holds a reference on it, and the kernel refuses to delete a chain still referenced
 *    (EBUSY), so a stale dispatch map goes before the chains it went to. (Rules that used a
 *    stale set are gone by then: their chains were flushed in 3.)
 * A family whose table is missing, or where a base chain's hook changed (which nft cannot
 * alter in place), gets its whole table re-created inside the same transaction.
 */
import { NFT_TABLE_NAME } from "../../backends/nftables/names.js";
import type { NftChain, NftSet, NftTable } from "../state/nftState.js";
import type { Plan, PlanStep, PlanSummary } from "./plan.js";
import { append, emptySummary, mergeSummaries } from "./plan.js";

/** Our table name in each family. */
export const NFT_TABLE = NFT_TABLE_NAME;

function sameRules(a: NftChain, b: NftChain): boolean {
  return a.rules.length === b.rules.length && a.rules.every((r, i) => r.hash !== "" && r.hash === b.rules[i]?.hash);
}

/** How a set element is deleted: a map entry by its key (quoted interface name), a set element as is. */
function deletable(set: NftSet, element: string): string {
  if (set.kind !== "map") return element;
  return `"${element.slice(0, element.indexOf(" : "))}"`;
}

/** How an element is added: map keys are interface names and need quotes. */
function addable(set: NftSet, element: string): string {
  if (set.kind !== "map") return element;
  const colon = element.indexOf(" : ");
  return `"${element.slice(0, colon)}"${element.slice(colon)}`;
}

/** Why `want` cannot be reached from `have` in place (the table must be re-created), if so. */
export function incompatible(want: NftTable, have: NftTable): string | undefined {
  const haveChains = new Map(have.chains.map((c) => [c.name, c] as const));
  for (const chain of want.chains) {
    const old = haveChains.get(chain.name);
    if (old !== undefined && old.header !== chain.header) return `chain ${chain.name} changes its hook`;
  }
  return undefined;
}

/** The sets and maps of `want` that `have` holds with another kind, type or flags. */
export function replacedSets(want: NftTable, have: NftTable): NftSet[] {
  const haveSets = new Map(have.sets.map((s) => [s.name, s] as const));
  return want.sets.filter((set) => {
    const old = haveSets.get(set.name);
    return old !== undefined && (old.kind !== set.kind || old.signature !== set.signature);
  });
}

/** Whether a rule's text looks up set or map `name` (`@name`, then a space or the end). */
function looksUp(text: string, name: string): boolean {
  const at = `@${name}`;
  for (let i = text.indexOf(at); i >= 0; i = text.indexOf(at, i + 1)) {
    const next = text[i + at.length];
    if (next === undefined || next === " " || next === "}" || next === ",") return true;
  }
  return false;
}

function writable(t: string, chain: NftChain): string[] {
  return chain.rules.map((r) => {
    if (r.text === "") throw new Error(`internal error: rule cali:${r.hash} of ${t} ${chain.name} is known only by its hash and cannot be written`);
    return `add rule ${t} ${chain.name} ${r.text}`;
  });
}

/** The transaction lines for one family, and what they change. */
export function planNftTable(want: NftTable, have: NftTable | undefined): { lines: string[]; summary: PlanSummary; recreated?: string } {
  const t = `${want.family} ${NFT_TABLE}`;
  const reason = have === undefined ? "table missing" : incompatible(want, have);
  if (have === undefined || reason !== undefined) {
    const existing = new Set(have?.chains.map((c) => c.name) ?? []);
    const summary: PlanSummary = {
      ...emptySummary,
      chainsCreated: want.chains.filter((c) => !existing.has(c.name)).map((c) => `${t}/${c.name}`),
      chainsChanged: want.chains.filter((c) => existing.has(c.name)).map((c) => `${t}/${c.name}`),
      setsCreated: want.sets.map((s) => `${t}/${s.name}`),
    };
    if (want.script === undefined) throw new Error(`internal error: ${t} must be re-created (${reason ?? "table missing"}) but its script was not built`);
    return { lines: [...want.script], summary, recreated: reason };
  }
  const haveSets = new Map(have.sets.map((s) => [s.name, s] as const));
  const haveChains = new Map(have.chains.map((c) => [c.name, c] as const));
  const wantSets = new Set(want.sets.map((s) => s.name));
  const wantChains = new Set(want.chains.map((c) => c.name));
  const staleChains = have.chains.filter((c) => !wantChains.has(c.name));
  // By name: the kernel view lists sets in the order of its source (a whole read, the cache, the
  // ledger), and the plan must not depend on which one it came from.
  const staleSets = have.sets.filter((s) => !wantSets.has(s.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const replaced = replacedSets(want, have);
  const replacing = new Set(replaced.map((s) => s.name));

  const declare: string[] = [];
  const dels: string[] = [];
  const replace: string[] = [];
  const setAdds: string[] = [];
  const mapAdds: string[] = [];
  const setsCreated: string[] = [];
  const setsChanged: string[] = [];
  for (const set of want.sets) {
    const known = haveSets.get(set.name);
    // The same set or elements (one the ledger or the cache knows unchanged): nothing to compare.
    if ((known === set || known?.elements === set.elements) && !replacing.has(set.name)) continue;
    const declaration = `add ${set.kind} ${t} ${set.name} { ${set.declaration.map((d) => `${d};`).join(" ")} }`;
    const old = replacing.has(set.name) ? undefined : known;
    if (known === undefined) {
      setsCreated.push(`${t}/${set.name}`);
      declare.push(declaration);
    } else if (old === undefined) {
      setsChanged.push(`${t}/${set.name}`);
      replace.push(`delete ${known.kind} ${t} ${set.name}`, declaration);
    }
    const oldElements = new Set(old?.elements ?? []);
    const newElements = new Set(set.elements);
    const gone = (old?.elements ?? []).filter((e) => !newElements.has(e));
    const added = set.elements.filter((e) => !oldElements.has(e));
    if (old !== undefined && gone.length + added.length > 0) setsChanged.push(`${t}/${set.name}`);
    if (gone.length > 0) dels.push(`delete element ${t} ${set.name} { ${gone.map((e) => deletable(set, e)).join(", ")} }`);
    if (added.length > 0) (set.kind === "map" ? mapAdds : setAdds).push(`add element ${t} ${set.name} { ${added.map((e) => addable(set, e)).join(", ")} }`);
  }

  const flushes: string[] = [];
  const fills: string[] = [];
  const created: string[] = [];
  const changed: string[] = [];
  const hooksChanged: string[] = [];
  for (const chain of want.chains) {
    const old = haveChains.get(chain.name);
    const refills = replaced.length > 0 && chain.rules.some((r) => replaced.some((s) => looksUp(r.text, s.name)));
    if (old !== undefined && (old === chain || sameRules(chain, old)) && !refills) continue;
    if (old === undefined) {
      created.push(`${t}/${chain.name}`);
      declare.push(chain.header === undefined ? `add chain ${t} ${chain.name}` : `add chain ${t} ${chain.name} { ${chain.header} }`);
    } else {
      (chain.header === undefined ? changed : hooksChanged).push(`${t}/${chain.name}`);
      flushes.push(`flush chain ${t} ${chain.name}`);
    }
    append(fills, writable(t, chain));
  }
  const lines = [
    ...declare,
    ...dels,
    ...staleChains.map((c) => `flush chain ${t} ${c.name}`),
    ...flushes,
    ...replace,
    ...setAdds,
    ...fills,
    ...mapAdds,
    ...staleSets.map((s) => `delete ${s.kind} ${t} ${s.name}`),
    ...staleChains.map((c) => `delete chain ${t} ${c.name}`),
  ];
  const summary: PlanSummary = {
    ...emptySummary,
    chainsCreated: created,
    chainsChanged: changed,
    chainsRemoved: staleChains.map((c) => `${t}/${c.name}`),
    hooksChanged,
    setsCreated,
    setsChanged,
    setsRemoved: staleSets.map((s) => `${t}/${s.name}`),
  };
  return { lines, summary };
}

/**
 * The plan: one `nft -f -` step (checked first with `nft --check -f -`) for both families, or
 * no step when nothing differs. A family we have in the kernel but no longer want is deleted.
 */
export function planNftables(want: readonly NftTable[], have: readonly NftTable[], nft = "nft"): Plan {
  const lines: string[] = [];
  const summaries: PlanSummary[] = [];
  const notes: string[] = [];
  for (const family of ["ip", "ip6"] as const) {
    const w = want.find((x) => x.family === family);
    const h = have.find((x) => x.family === family);
    if (w === undefined) {
      if (h !== undefined) {
        lines.push(`delete table ${family} ${NFT_TABLE}`);
        summaries.push({ ...emptySummary, chainsRemoved: h.chains.map((c) => `${family} ${NFT_TABLE}/${c.name}`), setsRemoved: h.sets.map((s) => `${family} ${NFT_TABLE}/${s.name}`) });
      }
      continue;
    }
    const table = planNftTable(w, h);
    if (table.recreated !== undefined && h !== undefined) notes.push(`# ${family} ${NFT_TABLE} re-created: ${table.recreated}`);
    append(lines, table.lines);
    summaries.push(table.summary);
  }
  const steps: PlanStep[] =
    lines.length === 0 ? [] : [{ phase: "rules", label: "nft", argv: [nft, "-f", "-"], checkArgv: [nft, "--check", "-f", "-"], stdin: `${[...notes, ...lines].join("\n")}\n` }];
  return { backend: "nftables", steps, summary: mergeSummaries(summaries), refusals: [] };
}
