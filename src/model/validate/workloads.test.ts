/** Workloads: what the audit commands read of them is validated, at the field's position. */
import { describe, expect, test } from "vitest";
import { loadModel } from "../loadModel.js";
import { codesAt, validateYaml, yaml } from "./testSupport.js";

describe("workloads", () => {
  test("pod template labels and container ports are checked where they are written", () => {
    const text = yaml(
      "apiVersion: apps/v1",
      "kind: StatefulSet",
      "metadata: {name: db, namespace: shop}",
      "spec:",
      "  template:",
      "    metadata:",
      "      labels: {app: db, 'bad key!': x}",
      "    spec:",
      "      containers:",
      "        - name: c",
      "          ports:",
      "            - {name: Not_A_Name, containerPort: 5432}",
      "            - {containerPort: 70000}",
    );
    expect(codesAt(text)).toEqual([
      { code: "invalid-label", line: 7, column: 25 },
      { code: "invalid-port", line: 12, column: 22 },
      { code: "invalid-port", line: 13, column: 31 },
    ]);
  });

  test("a CronJob's template is under its jobTemplate; the model keeps kind, labels, ports and owner", () => {
    const r = validateYaml(
      yaml(
        "apiVersion: batch/v1",
        "kind: CronJob",
        "metadata: {name: report, namespace: shop}",
        "spec:",
        "  schedule: '0 3 * * *'",
        "  jobTemplate:",
        "    spec:",
        "      template:",
        "        metadata: {labels: {app: report}}",
        "        spec: {serviceAccountName: reporter, containers: [{name: c, image: x, ports: [{name: http, containerPort: 80, protocol: UDP}]}]}",
        "---",
        "apiVersion: batch/v1",
        "kind: Job",
        "metadata:",
        "  name: report-29001",
        "  namespace: shop",
        "  ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: report, uid: u, controller: true}]",
        "spec: {template: {metadata: {labels: {app: report}}, spec: {containers: [{name: c, image: x}]}}}",
      ),
    );
    expect(r.found).toEqual([]);
    expect(r.model.resources.map((x) => (x.kind === "Workload" ? [x.workloadKind, x.templatePath, x.podLabels, x.serviceAccountName, x.ports, x.owner] : x.kind))).toEqual([
      ["CronJob", "spec.jobTemplate.spec.template", { app: "report" }, "reporter", [{ name: "http", containerPort: 80, protocol: "UDP" }], undefined],
      ["Job", "spec.template", { app: "report" }, "default", [], { kind: "CronJob", name: "report" }],
    ]);
  });

  test("a Deployment and a StatefulSet may share a name; two Deployments may not", () => {
    const w = (kind: string) => ["apiVersion: apps/v1", `kind: ${kind}`, "metadata: {name: web, namespace: shop}", "spec: {template: {metadata: {labels: {app: web}}}}"];
    expect(codesAt(yaml(...w("Deployment"), "---", ...w("StatefulSet")))).toEqual([]);
    expect(codesAt(yaml(...w("Deployment"), "---", ...w("Deployment"))).map((d) => d.code)).toEqual(["duplicate-resource"]);
  });

  test("the namespace defaults as a Pod's: `default`, or the run's -n", () => {
    const text = yaml("apiVersion: apps/v1", "kind: DaemonSet", "metadata: {name: agent}", "spec: {template: {metadata: {labels: {app: a}}}}");
    const namespaceOf = (options: { defaultNamespace?: string }): string | undefined => loadModel([{ path: "a.yaml", text }], options).model.resources[0]?.metadata.namespace;
    expect(namespaceOf({})).toBe("default");
    expect(namespaceOf({ defaultNamespace: "logging" })).toBe("logging");
  });
});
