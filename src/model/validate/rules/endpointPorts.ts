/**
 * invalid-port: named ports of endpoints, pods and workloads' pod templates. Names must be valid Kubernetes port names and
 * numbers 1-65535 (a port 0 cannot be matched by iptables' --dport).
 */
import type { YNode } from "../../yamlTree.js";
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf, type Resource } from "../../types.js";
import { isK8sPortName } from "../names.js";
import type { Report, ResourceRule } from "./types.js";

/** Checks port `i` of the resource; its path is worked out only when there is something to report. */
function checkPort(resource: Resource, report: Report, name: string | undefined, port: number, i: number, portKey: string): void {
  const badName = name !== undefined && !isK8sPortName(name);
  const badNumber = port < 1 || port > 65535;
  if (!badName && !badNumber) return;
  const path = portPath(resource, i);
  if (badName) report(error("invalid-port", `"${name}" is not a valid port name`, spanOf(resource.origin, `${path}.name`)));
  if (badNumber) report(error("invalid-port", `port ${port} is out of range 1-65535`, spanOf(resource.origin, `${path}.${portKey}`)));
}

/**
 * The path of port `i`. Pod ports are flattened over containers; each one's path is recovered
 * from the origin's tree, which is read only here.
 */
function portPath(resource: Resource, i: number): string {
  if (resource.kind === "Pod") return containerPortPaths(resource.origin.node, "spec")[i] ?? "spec";
  if (resource.kind === "Workload") return containerPortPaths(resource.origin.node, `${resource.templatePath ?? "spec.template"}.spec`)[i] ?? "spec";
  return `spec.ports.${i}`;
}

export const endpointPorts: ResourceRule = {
  name: "endpointPorts",
  check(resource, report) {
    switch (resource.kind) {
      case "HostEndpoint":
      case "WorkloadEndpoint":
      case "V1WorkloadEndpoint":
        for (let i = 0; i < resource.ports.length; i++) checkPort(resource, report, resource.ports[i]!.name, resource.ports[i]!.port, i, "port");
        return;
      case "Pod":
      case "Workload":
        for (let i = 0; i < resource.ports.length; i++) checkPort(resource, report, resource.ports[i]!.name, resource.ports[i]!.containerPort, i, "containerPort");
        return;
      default:
        return;
    }
  },
};

/** Dotted paths of every `<spec>.containers.N.ports.M` entry, in document order (`spec`: the pod spec's path). */
function containerPortPaths(doc: YNode | undefined, spec: string): string[] {
  const paths: string[] = [];
  const child = (node: YNode | undefined, key: string): YNode | undefined =>
    node?.kind === "map" ? node.entries.find((e) => e.key === key)?.value : undefined;
  const containers = child(
    spec.split(".").reduce<YNode | undefined>((node, key) => child(node, key), doc),
    "containers",
  );
  if (containers?.kind !== "seq") return paths;
  containers.items.forEach((container, i) => {
    const ports = child(container, "ports");
    if (ports?.kind === "seq") ports.items.forEach((_, j) => paths.push(`${spec}.containers.${i}.ports.${j}`));
  });
  return paths;
}
