/**
 * One family of the IR as the incremental compiler hands it out, rebuilt from its chain table
 * and set table where they changed, with the family's part of the IR delta. Unchanged parts keep
 * their objects, so the IR before an update is never altered.
 */
import type { FamilyDelta, SetMembersDelta } from "../ir/delta.js";
import type { Family, FamilyIr, Hook, IpSet } from "../ir/types.js";
import type { ChainTable } from "./chainTable.js";
import { diffMembers } from "./setState.js";
import type { SetTable } from "./setTable.js";

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class FamilyView {
  /** The IR's sets by id. */
  private readonly sets = new Map<string, IpSet>();
  private current: FamilyIr;

  constructor(
    readonly family: Family,
    private readonly hooks: readonly Hook[],
  ) {
    this.current = { family, tables: [{ name: "filter", hooks, chains: [] }], sets: [] };
  }

  get ir(): FamilyIr {
    return this.current;
  }

  /**
   * Takes what changed in the tables since the last call: chains (from the chain table) and
   * sets (`changedSets`: whose members changed in the set table; the chain table tells which
   * sets its chains started or stopped using).
   */
  settle<U>(chains: ChainTable<U>, sets: SetTable, changedSets: ReadonlySet<string>): { ir: FamilyIr; delta: FamilyDelta } {
    const { chains: chainDelta, sets: usedSets } = chains.takeDelta();
    const setsAdded: string[] = [];
    const setsRemoved: string[] = [];
    const setsChanged: SetMembersDelta[] = [];
    const setsRecommented: string[] = [];
    let setObjectsMoved = false;
    for (const id of new Set([...usedSets, ...changedSets])) {
      const before = this.sets.get(id);
      const state = sets.get(this.family, id);
      const after = chains.usesSet(id) ? (state?.ir ?? chains.anonymousSet(id)) : undefined;
      if (before === after) continue;
      setObjectsMoved = true;
      if (after) this.sets.set(id, after);
      else this.sets.delete(id);
      if (!before) setsAdded.push(id);
      else if (!after) setsRemoved.push(id);
      else if (before.type !== after.type) {
        setsRemoved.push(id);
        setsAdded.push(id);
      } else {
        const d = state && state.previous === before && state.ir === after && state.lastDelta ? state.lastDelta : diffMembers(before.members, after.members);
        if (d.added.length > 0 || d.removed.length > 0) setsChanged.push({ id, added: d.added, removed: d.removed });
        else if (before.comment !== after.comment) setsRecommented.push(id);
      }
    }
    const tableChanged = chainDelta.added.length + chainDelta.changed.length + chainDelta.removed.length > 0;
    if (tableChanged || setObjectsMoved) {
      this.current = {
        family: this.family,
        tables: tableChanged ? [{ name: "filter", hooks: this.hooks, chains: chains.chainList() }] : this.current.tables,
        sets: setObjectsMoved ? [...this.sets.keys()].sort(byId).map((id) => this.sets.get(id)!) : this.current.sets,
      };
    }
    return {
      ir: this.current,
      delta: {
        family: this.family,
        tables: tableChanged ? [{ table: "filter", chainsAdded: chainDelta.added, chainsChanged: chainDelta.changed, chainsRemoved: chainDelta.removed, hooksChanged: false }] : [],
        setsAdded: setsAdded.sort(byId),
        setsRemoved: setsRemoved.sort(byId),
        setsChanged: setsChanged.sort((a, b) => byId(a.id, b.id)),
        setsRecommented: setsRecommented.sort(byId),
      },
    };
  }
}
