/**
 * `deepLint`: the findings of `policyc lint` beyond validation, about what the policies mean
 * rather than how they are written. Every finding is a warning or a note, so every one can be
 * silenced or raised per code in `.policyc.yaml`.
 *
 * | code                     | severity | needs endpoints | certainty                                  |
 * |--------------------------|----------|-----------------|--------------------------------------------|
 * | impossible-selector      | warning  | no              | for any cluster                            |
 * | allow-after-deny-all     | warning  | no              | for any cluster                            |
 * | shadowed-rule            | warning  | no (reads them) | for any cluster (structural)               |
 * | shadowed-rule-in-input   | note     | yes             | for the input's endpoints only             |
 * | policy-selects-nothing   | warning  | yes             | the input's endpoints (may be partial)     |
 * | selector-matches-nothing | warning  | yes             | the input's endpoints (may be partial)     |
 * | redundant-rule (--deep)  | note     | yes             | the input's endpoints (see redundantRules) |
 * | redundant-policy (--deep)| note     | yes             | the input's endpoints (see redundantRules) |
 *
 * The checks that read endpoints run on the model as loaded; `policyc lint` runs them only when
 * validation found no error (a resource with an error is left out, and findings about the rest
 * would mislead), and above `ENDPOINT_LIMIT` endpoints only with --deep (`lint-checks-skipped`
 * says so). A check left out is always reported, never silent.
 */
import { note, warning, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Model, Resource } from "../../model/types.js";
import { keySpanOf, spanOf } from "../../model/types.js";
import { prepareModel } from "../prepareModel.js";
import type { PreparedPolicy, PreparedRule } from "../types.js";
import { findRedundant, REDUNDANCY_BUDGET } from "./redundantRules.js";
import { policyIdentity, policySources, policyTitle, type PolicyResource } from "./policySources.js";
import { findShadowedRules, type RuleAt, type ShadowedRule } from "./shadowedRules.js";
import { allowsAfterDenyAll, structuralLint } from "./structuralLint.js";
import { unmatchedSelectors } from "./unmatchedSelectors.js";

export { structuralLint } from "./structuralLint.js";
export { findShadowedRules, type ShadowedRule } from "./shadowedRules.js";

/**
 * Above this many endpoints, lint leaves the checks that read them to --deep: on shape L (250,000
 * pods, 10,000 policies) they tripled lint's CPU time (35 s to 112 s) and took its peak memory
 * from 1.3 to 1.9 GiB, next to the 2 GiB heap the benchmark gives it; on shape S (10,000 pods)
 * they add about 0.7 s.
 */
export const ENDPOINT_LIMIT = 50_000;
const ENDPOINT_KINDS: ReadonlySet<Resource["kind"]> = new Set(["Pod", "WorkloadEndpoint", "V1WorkloadEndpoint", "HostEndpoint", "V1HostEndpoint"]);

export interface DeepLintOptions {
  /** Run the checks that read the endpoints (off: the structural checks only). */
  readonly endpoints: boolean;
  /**
   * Also the redundancy check (redundantRules.ts), whose cost grows with rules times probes; and
   * the endpoint checks on inputs above `ENDPOINT_LIMIT` endpoints.
   */
  readonly deep?: boolean;
  /** `ENDPOINT_LIMIT` unless given (for tests). */
  readonly endpointLimit?: number;
}

/** The deep lint findings of `model` (unsorted; the caller applies overrides and sorts). */
export function deepLint(model: Model, options: DeepLintOptions): Diagnostic[] {
  const out = structuralLint(model);
  if (!options.endpoints) return out;
  const endpoints = model.resources.filter((r) => ENDPOINT_KINDS.has(r.kind)).length;
  const limit = options.endpointLimit ?? ENDPOINT_LIMIT;
  if (!options.deep && endpoints > limit) {
    out.push(
      note(
        "lint-checks-skipped",
        `the checks that read the endpoints (shadowed rules, policies and selectors that match nothing) were skipped: the input has ${endpoints.toLocaleString("en-US")} endpoints, more than ${limit.toLocaleString("en-US")}; lint --deep runs them`,
      ),
    );
    return out;
  }
  const prepared = prepareModel(model);
  const sourceOf = policySources(model);
  const preparedByResource = new Map<PolicyResource, PreparedPolicy>();
  for (const tier of prepared.tiers) {
    for (const p of tier.policies) {
      const r = sourceOf(p);
      if (r) preparedByResource.set(r, p);
    }
  }
  out.push(...unmatchedSelectors({ model, prepared, preparedOf: (r) => preparedByResource.get(r) }));

  // Rules allow-after-deny-all reports are shadowed too; one finding is enough.
  const reported = new Set<string>();
  for (const r of model.resources) {
    if (r.kind !== "NetworkPolicy" && r.kind !== "GlobalNetworkPolicy" && r.kind !== "V1Policy") continue;
    for (const rules of [r.ingress, r.egress]) for (const { allow } of allowsAfterDenyAll(rules)) reported.add(`${r.origin.file}\u0000${policyIdentity(r).display}\u0000${allow.path}`);
  }
  const skip = (at: RuleAt): boolean => reported.has(`${at.policy.file}\u0000${at.policy.display}\u0000${at.rule.path}`);
  const shadowed = findShadowedRules(prepared, sourceOf, skip);
  for (const s of shadowed) {
    const r = sourceOf(s.policy);
    const by = sourceOf(s.by.policy);
    if (r && by) out.push(shadowedDiagnostic(s, r, by));
  }
  if (!options.deep) return out;
  // Rules already reported (shadowed, after a deny-all) are redundant already.
  const known = new Set<PreparedRule>(shadowed.map((s) => s.rule));
  for (const tier of prepared.tiers) for (const p of tier.policies) for (const d of ["ingress", "egress"] as const) for (const rule of p[d]) if (skip({ policy: p, direction: d, index: 0, rule })) known.add(rule);
  const redundancy = findRedundant(prepared, known);
  if (redundancy.skipped) {
    const { candidates, probes, classes } = redundancy.skipped;
    out.push(
      note(
        "lint-checks-skipped",
        `--deep: the redundancy check was skipped: ${candidates} candidate rules and policies x ${probes} probes x ${classes} endpoint classes is more than it may compute (${REDUNDANCY_BUDGET.toLocaleString("en-US")}); no rule or policy was checked`,
      ),
    );
  }
  for (const found of redundancy.found) {
    const policy = found.kind === "policy" ? found.policy : found.at.policy;
    const r = sourceOf(policy);
    if (!r) continue;
    if (found.kind === "policy") {
      out.push(
        note(
          "redundant-policy",
          `removing ${policyTitle(policy)} changes no verdict: every connection between the input's endpoints is decided the same without it (and it matches no other address); remove it, or check what it was meant to do`,
          spanOf(r.origin, "metadata.name"),
        ),
      );
    } else {
      out.push(
        note(
          "redundant-rule",
          "removing this rule changes no verdict: every connection between the input's endpoints is decided the same without it (and it matches no other address); remove it, or check what it was meant to allow or deny",
          ruleSpan(r, found.at),
        ),
      );
    }
  }
  return out;
}

/** Where a rule is, for a message: `rule 2 (Deny)` of this policy, or of another one by name. */
function describeRule(at: RuleAt, of: PreparedPolicy): string {
  const which = `${at.direction} rule ${at.index + 1} (${at.rule.action})`;
  return at.policy === of ? `its ${which}` : `${which} of ${policyTitle(at.policy)}`;
}

/** The span of a rule: its action key when written (Calico), else the rule. */
function ruleSpan(r: Resource, at: RuleAt): ReturnType<typeof spanOf> {
  return at.rule.kind === "calico" ? keySpanOf(r.origin, `${at.rule.path}.action`) : spanOf(r.origin, at.rule.path);
}

function shadowedDiagnostic(s: ShadowedRule, r: Resource, by: Resource): Diagnostic {
  const first = describeRule(s.by, s.policy);
  const notes = [{ message: "the rule that decides first", span: ruleSpan(by, s.by) }];
  const fix = s.by.policy === s.policy ? "remove it, or move it before that rule" : "remove it, or narrow the rule that decides first";
  if (s.certainty === "structural") {
    return warning("shadowed-rule", `this rule never decides: ${first} matches every packet this one matches, and decides first; ${fix}`, ruleSpan(r, s), notes);
  }
  return note(
    "shadowed-rule-in-input",
    `this rule never decides for the endpoints of the input: ${first} matches every packet this one matches between them, and decides first (an endpoint with other labels could still reach this rule); ${fix}`,
    ruleSpan(r, s),
    notes,
  );
}
