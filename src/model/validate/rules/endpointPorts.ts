/**
 * invalid-port: named ports of endpoints and pods. Names must be valid Kubernetes port names and
 * numbers 1-65535 (a port 0 cannot be matched by iptables' --dport).
 */
import type { YNode } from "../../yamlTree.js";
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf, type Resource } from "../../types.js";
import { isK8sPortName } from "../names.js";
import type { Report, ResourceRule } from "./types.js";

/** `path` gives the port's path; it is asked for only when there is something to report. */
function checkPort(resource: Resource, report: Report, name: string | undefined, port: number, path: () => string, portKey: string): void {
  if (name !== undefined && !isK8sPortName(name)) {
    report(error("invalid-port", `"${name}" is not a valid port name`, spanOf(resource.origin, `${path()}.name`)));
  }
  if (port < 1 || port > 65535) {
    report(error("invalid-port", `port ${port} is out of range 1-65535`, spanOf(resource.origin, `${path()}.${portKey}`)));
  }
}

export const endpointPorts: ResourceRule = {
  name: "endpointPorts",
  check(resource, report) {
    switch (resource.kind) {
      case "HostEndpoint":
      case "WorkloadEndpoint":
      case "V1WorkloadEndpoint":
        resource.ports.forEach((p, i) => checkPort(resource, report, p.name, p.port, () => `spec.ports.${i}`, "port"));
        return;
      case "Pod": {
        // Pod ports are flattened over containers; recover each one's path from the origin's
        // tree, which is read only for a port that is reported.
        let paths: string[] | undefined;
        const pathOf = (i: number) => (): string => (paths ??= containerPortPaths(resource.origin.node))[i] ?? "spec";
        resource.ports.forEach((p, i) => checkPort(resource, report, p.name, p.containerPort, pathOf(i), "containerPort"));
        return;
      }
      default:
        return;
    }
  },
};

/** Dotted paths of every `spec.containers.N.ports.M` entry, in document order. */
function containerPortPaths(doc: YNode | undefined): string[] {
  const paths: string[] = [];
  const child = (node: YNode | undefined, key: string): YNode | undefined =>
    node?.kind === "map" ? node.entries.find((e) => e.key === key)?.value : undefined;
  const containers = child(child(doc, "spec"), "containers");
  if (containers?.kind !== "seq") return paths;
  containers.items.forEach((container, i) => {
    const ports = child(container, "ports");
    if (ports?.kind === "seq") ports.items.forEach((_, j) => paths.push(`spec.containers.${i}.ports.${j}`));
  });
  return paths;
}
