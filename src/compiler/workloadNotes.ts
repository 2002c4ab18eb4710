/**
 * `audit-only-workload`: the compiler programs pods with addresses, never workloads (a Deployment
 * has no address and no node until its pods run). Workloads in the input are endpoints for
 * `explain`, `matrix`, `diff` and `verify` only, so `compile` and `apply` say so, once per kind,
 * at the first document, with the count (as `unknown-kind` did before workloads were read).
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { note } from "../diagnostics/diagnostic.js";
import { spanOf, type Model, type WorkloadKind } from "../model/types.js";

export function workloadNotes(audit: Model): Diagnostic[] {
  const byKind = new Map<WorkloadKind, { first: Model["resources"][number]; count: number }>();
  for (const r of audit.resources) {
    if (r.kind !== "Workload") continue;
    const seen = byKind.get(r.workloadKind);
    if (seen) seen.count++;
    else byKind.set(r.workloadKind, { first: r, count: 1 });
  }
  return [...byKind].map(([kind, { first, count }]) =>
    note(
      "audit-only-workload",
      `${count === 1 ? "1" : count} ${kind}${count === 1 ? "" : "s"}: a workload is an endpoint for explain, matrix, diff and verify only; compile programs the pods that run, by their addresses`,
      spanOf(first.origin, "kind"),
    ),
  );
}
