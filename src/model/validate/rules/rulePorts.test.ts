import { describe, expect, test } from "vitest";
import { codesAt, gnpYaml } from "../testSupport.js";

const withPorts = (ports: string) =>
  gnpYaml("ingress:", "- action: Allow", "  protocol: TCP", "  destination:", `    ports: ${ports}`);

describe("rulePorts", () => {
  test("numbers, digit strings, ranges and valid names pass", () => {
    expect(codesAt(withPorts("[1, 65535, '443', '8000:9000', '22:22', http, web-8080]"))).toEqual([]);
  });

  test("out-of-range numbers", () => {
    expect(codesAt(withPorts("[0, 65536]"))).toEqual([
      { code: "invalid-port", line: 10, column: 15 },
      { code: "invalid-port", line: 10, column: 18 },
    ]);
  });

  test("reversed and out-of-range ranges", () => {
    expect(codesAt(withPorts("['90:80', '1:70000']"))).toEqual([
      { code: "invalid-port", line: 10, column: 15 },
      { code: "invalid-port", line: 10, column: 24 },
    ]);
  });

  test("port names must be valid Kubernetes port names", () => {
    // too long, upper case, no letter, leading '-', double '-', colon garbage
    expect(codesAt(withPorts("[abcdefghijklmnop, Http, '123-4', -web, we--b, 'a:b']"))).toEqual([
      { code: "invalid-port", line: 10, column: 15 },
      { code: "invalid-port", line: 10, column: 33 },
      { code: "invalid-port", line: 10, column: 39 },
      { code: "invalid-port", line: 10, column: 48 },
      { code: "invalid-port", line: 10, column: 54 },
      { code: "invalid-port", line: 10, column: 61 },
    ]);
  });
});
