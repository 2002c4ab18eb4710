/**
 * invalid-label: label keys must be Kubernetes qualified names and values valid label values
 * (at most 63 characters). Covers metadata labels, Profile labelsToApply, a workload's pod
 * template labels and the label selectors
 * of Kubernetes NetworkPolicies; In/NotIn expressions need values and Exists/DoesNotExist none.
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf, type LabelSelector, type Labels, type Resource } from "../../types.js";
import { isLabelValue, isQualifiedName } from "../names.js";
import { keySpanOf } from "./ruleHelpers.js";
import type { Report, ResourceRule } from "./types.js";
import { clusterPolicySelectors } from "../build/clusterPolicy.js";

function checkLabels(r: Resource, report: Report, labels: Labels, path: string): void {
  // for-in over own keys: no pair per label (this runs for every resource).
  for (const key in labels) {
    if (!Object.hasOwn(labels, key)) continue;
    const value = labels[key]!;
    if (!isQualifiedName(key)) {
      report(error("invalid-label", `label key "${key}" is not a valid qualified name`, keySpanOf(r.origin, `${path}.${key}`)));
    }
    if (!isLabelValue(value)) {
      report(error("invalid-label", `label value "${value}" is not valid (at most 63 of A-Z, a-z, 0-9, '-', '_', '.')`, spanOf(r.origin, `${path}.${key}`)));
    }
  }
}

function checkSelector(r: Resource, report: Report, s: LabelSelector, path: string): void {
  checkLabels(r, report, s.matchLabels, `${path}.matchLabels`);
  s.matchExpressions.forEach((e, i) => {
    const at = `${path}.matchExpressions.${i}`;
    if (!isQualifiedName(e.key)) {
      report(error("invalid-label", `label key "${e.key}" is not a valid qualified name`, spanOf(r.origin, `${at}.key`)));
    }
    const needsValues = e.operator === "In" || e.operator === "NotIn";
    if (needsValues && e.values.length === 0) {
      report(error("invalid-value", `operator ${e.operator} needs values`, spanOf(r.origin, `${at}.operator`)));
    } else if (!needsValues && e.values.length > 0) {
      report(error("invalid-value", `operator ${e.operator} takes no values`, spanOf(r.origin, `${at}.values`)));
    }
    e.values.forEach((v, j) => {
      if (!isLabelValue(v)) report(error("invalid-label", `label value "${v}" is not valid`, spanOf(r.origin, `${at}.values.${j}`)));
    });
  });
}

export const labelSyntax: ResourceRule = {
  name: "labelSyntax",
  check(r, report) {
    checkLabels(r, report, r.metadata.labels, "metadata.labels");
    if (r.kind === "Profile") checkLabels(r, report, r.labelsToApply, "spec.labelsToApply");
    if (r.kind === "Workload" && r.templatePath !== undefined) checkLabels(r, report, r.podLabels, `${r.templatePath}.metadata.labels`);
    if (r.kind === "ClusterNetworkPolicy") {
      for (const { selector, path } of clusterPolicySelectors(r)) checkSelector(r, report, selector, path);
      return;
    }
    if (r.kind !== "K8sNetworkPolicy") return;
    checkSelector(r, report, r.podSelector, "spec.podSelector");
    for (const rule of [...r.ingress, ...r.egress]) {
      for (const peer of rule.peers) {
        if (peer.podSelector) checkSelector(r, report, peer.podSelector, `${peer.path}.podSelector`);
        if (peer.namespaceSelector) checkSelector(r, report, peer.namespaceSelector, `${peer.path}.namespaceSelector`);
      }
    }
  },
};
