/**
 * The profiles as the incremental compiler knows them: every defined one by name (derived from
 * Namespaces and ServiceAccounts, or written as Profiles and v1 profiles), and the implicit
 * `kns.`/`ksa.` ones that pods and NetworkSets bring into being while the input defines none.
 * Resolution is the full compile's (profiles.ts `chooseProfile`, endpoints.ts): defined first,
 * then implicit. Changes are collected per name and reported once per update: whether what
 * members inherit (labels) or what profile chains render (rules) changed.
 */
import type { Labels, Resource } from "../../model/types.js";
import { namespaceProfileName, serviceAccountProfileName } from "../../calico/index.js";
import { isEndpointPod } from "../endpoints.js";
import type { ProfileInfo } from "../profiles.js";
import { chooseProfile, definedProfile, isDerivedProfile, namespaceProfile, serviceAccountProfile } from "../profiles.js";

export interface ProfileChange {
  readonly name: string;
  readonly labelsChanged: boolean;
  readonly rulesChanged: boolean;
}

function sameLabels(a: Labels, b: Labels): boolean {
  let n = 0;
  for (const k in a) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

function sameList<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]));
}

export class ProfileTable {
  private readonly derived = new Map<string, ProfileInfo>();
  private readonly written = new Map<string, ProfileInfo>();
  private readonly implicit = new Map<string, { count: number; profile: ProfileInfo }>();
  /** What each dirty name resolved to before this update's changes. */
  private readonly before = new Map<string, ProfileInfo | undefined>();
  /** Implicit profiles' names by namespace (`ns`) and service account (`sa`), made once: pods are many. */
  private readonly names = new Map<string, { readonly ns: string; readonly sa: Map<string, string> }>();

  private namesOf(ns: string): { readonly ns: string; readonly sa: Map<string, string> } {
    let n = this.names.get(ns);
    if (!n) this.names.set(ns, (n = { ns: namespaceProfileName(ns), sa: new Map() }));
    return n;
  }

  /** The implicit profiles a resource brings into being (a pod: its namespace's and service account's; a NetworkSet: its namespace's), counted up or down. */
  private countImplicit(r: Resource, sign: number): void {
    if (r.kind === "Pod") {
      if (!isEndpointPod(r)) return;
      const ns = r.metadata.namespace ?? "default";
      const sa = r.serviceAccountName;
      const names = this.namesOf(ns);
      let saName = names.sa.get(sa);
      if (saName === undefined) names.sa.set(sa, (saName = serviceAccountProfileName(ns, sa)));
      this.countOne(names.ns, sign, ns, undefined);
      this.countOne(saName, sign, ns, sa);
    } else if (r.kind === "NetworkSet") {
      const ns = r.metadata.namespace ?? "default";
      this.countOne(this.namesOf(ns).ns, sign, ns, undefined);
    }
  }

  /** One implicit profile (of namespace `ns`, or of its service account `sa`) counted up or down. */
  private countOne(name: string, sign: number, ns: string, sa: string | undefined): void {
    this.touch(name);
    const i = this.implicit.get(name);
    if (sign > 0) {
      if (i) i.count++;
      else this.implicit.set(name, { count: 1, profile: sa === undefined ? namespaceProfile(ns, {}) : serviceAccountProfile(ns, sa, {}) });
    } else if (--i!.count === 0) this.implicit.delete(name);
  }

  /** The profile Felix uses for `name`, if any. */
  resolve(name: string): ProfileInfo | undefined {
    const defined = chooseProfile(name, this.derived.get(name), this.written.get(name));
    if (defined) return defined;
    const i = this.implicit.get(name);
    return i && i.count > 0 ? i.profile : undefined;
  }

  private touch(name: string): void {
    if (!this.before.has(name)) this.before.set(name, this.resolve(name));
  }

  /** A resource was added (`old` undefined), changed or removed (`now` undefined). */
  resourceChanged(old: Resource | undefined, now: Resource | undefined): void {
    if (old) {
      const p = definedProfile(old);
      if (p) {
        this.touch(p.name);
        (isDerivedProfile(old) ? this.derived : this.written).delete(p.name);
      }
      this.countImplicit(old, -1);
    }
    if (now) {
      const p = definedProfile(now);
      if (p) {
        this.touch(p.name);
        (isDerivedProfile(now) ? this.derived : this.written).set(p.name, p);
      }
      this.countImplicit(now, +1);
    }
  }

  /** The names whose resolution changed since the last call, and how. */
  takeChanges(): ProfileChange[] {
    const out: ProfileChange[] = [];
    for (const [name, before] of this.before) {
      const after = this.resolve(name);
      if (before === after) continue;
      const labelsChanged = !sameLabels(before?.labels ?? {}, after?.labels ?? {});
      const rulesChanged = !sameList(before?.ingress, after?.ingress) || !sameList(before?.egress, after?.egress) || before?.origin !== after?.origin;
      if (labelsChanged || rulesChanged) out.push({ name, labelsChanged, rulesChanged });
    }
    this.before.clear();
    return out;
  }
}
