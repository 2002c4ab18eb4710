/**
 * invalid-port: rule ports must be 1-65535, ranges `a:b` need a <= b, and a named port must match
 * `^[a-zA-Z0-9_.-]{1,128}$` and be a valid Kubernetes port name (numorstring/port.go).
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf, type Port } from "../../types.js";
import { isCalicoPortName } from "../names.js";
import { rulesOf, sidesOf } from "./ruleHelpers.js";
import type { ResourceRule } from "./types.js";

/** Why a port is invalid, or undefined when it is fine. */
export function portProblem(p: Port): string | undefined {
  if (p.kind === "named") {
    return isCalicoPortName(p.name)
      ? undefined
      : `"${p.name}" is not a valid port, port range or port name (names: at most 15 of a-z, 0-9, '-', with a letter)`;
  }
  const bad = [p.first, p.last].find((n) => !Number.isInteger(n) || n < 1 || n > 65535);
  if (bad !== undefined) return `port ${bad} is out of range 1-65535`;
  if (p.first > p.last) return `port range ${p.first}:${p.last} is reversed`;
  return undefined;
}

export const rulePorts: ResourceRule = {
  name: "rulePorts",
  check(resource, report) {
    for (const rule of rulesOf(resource)) {
      for (const { entity, path } of sidesOf(rule)) {
        for (const field of ["ports", "notPorts"] as const) {
          entity[field].forEach((p, i) => {
            const problem = portProblem(p);
            if (problem) report(error("invalid-port", problem, spanOf(resource.origin, `${path}.${field}.${i}`)));
          });
        }
      }
    }
  },
};
