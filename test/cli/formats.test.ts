/** lint's machine formats: JSON with resources, SARIF checked against the official schema, JUnit and TAP parsed back. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import Ajv from "ajv";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/runCli.js";

const require = createRequire(import.meta.url);
const FILES = ["fixtures/invalid/duplicate-endpoint-ip.yaml", "fixtures/invalid/merge-key-error.yaml", "fixtures/cases/demo-shop"];

describe("lint --format json", () => {
  it("names each finding's resource (apiVersion, kind, namespace, name) and gives the summary", async () => {
    const r = await runCli(["lint", "--format", "json", ...FILES]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { findings: { code: string; line: number; resource?: unknown; notes?: unknown[] }[]; summary: Record<string, unknown> };
    const dup = out.findings.find((f) => f.code === "duplicate-endpoint-ip");
    expect(dup?.resource).toEqual({ apiVersion: "v1", kind: "Pod", namespace: "shop", name: "web-2" });
    expect(out.findings.find((f) => f.code === "invalid-port")?.resource).toEqual({ apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy", name: "base" });
    expect(out.summary).toMatchObject({ errors: 2, warnings: 1, skipped: 0 });
  });
});

describe("lint --format sarif", () => {
  it("is valid SARIF 2.1.0 (the official schema) with each finding at its file and line", async () => {
    const r = await runCli(["lint", "--format", "sarif", ...FILES]);
    const log = JSON.parse(r.stdout) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
    // The schema as Microsoft's SARIF test helpers ship it (OASIS SARIF 2.1.0, draft-04 JSON Schema).
    const schema = JSON.parse(readFileSync(require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8")) as object;
    const ajv = new Ajv({ schemaId: "id", allErrors: true, meta: false, validateSchema: false, unknownFormats: "ignore" });
    ajv.addMetaSchema(JSON.parse(readFileSync(require.resolve("ajv/lib/refs/json-schema-draft-04.json"), "utf8")) as object);
    const validate = ajv.compile(schema);
    const valid = validate(log);
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).toEqual([]);
    expect(valid).toBe(true);
    const results = log.runs[0]!.results;
    const port = results.find((x) => x.ruleId === "invalid-port");
    expect(port?.locations[0]?.physicalLocation.artifactLocation.uri).toBe("fixtures/invalid/merge-key-error.yaml");
    expect(port?.locations[0]?.physicalLocation.region.startLine).toBe(15);
  });
});

/** A small, strict XML reader for the test: elements with attributes and text, entities decoded. */
interface XmlNode {
  readonly name: string;
  readonly attrs: Record<string, string>;
  readonly children: XmlNode[];
  text: string;
}
function parseXml(xml: string): XmlNode {
  const decode = (s: string): string => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, "").replace(/<!--[\s\S]*?-->/g, "");
  const root: XmlNode = { name: "#root", attrs: {}, children: [], text: "" };
  const stack = [root];
  const tag = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w-]+="[^"]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = tag.exec(body)) !== null) {
    consumed = tag.lastIndex;
    const top = stack[stack.length - 1]!;
    if (m[5] !== undefined) {
      top.text += decode(m[5]);
      continue;
    }
    if (m[1]) {
      if (top.name !== m[2]) throw new Error(`</${m[2]}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (m[3] ?? "").matchAll(/([\w-]+)="([^"]*)"/g)) attrs[a[1]!] = decode(a[2]!);
    const node: XmlNode = { name: m[2]!, attrs, children: [], text: "" };
    top.children.push(node);
    if (!m[4]) stack.push(node);
  }
  if (consumed !== body.length || stack.length !== 1) throw new Error("not well-formed XML");
  return root.children[0]!;
}

describe("lint --format junit", () => {
  it("parses back: a suite per file, a failing case per error, counts that add up", async () => {
    const r = await runCli(["lint", "--format", "junit", ...FILES]);
    const root = parseXml(r.stdout);
    expect(root.name).toBe("testsuites");
    const suites = root.children;
    expect(suites.length).toBeGreaterThanOrEqual(3);
    const failures = suites.flatMap((s) => s.children.flatMap((c) => c.children.filter((x) => x.name === "failure")));
    expect(failures.map((f) => f.attrs.type)).toEqual(["invalid-port", "invalid-port"]);
    expect(Number(root.attrs.failures)).toBe(failures.length);
    expect(Number(root.attrs.tests)).toBe(suites.reduce((n, s) => n + Number(s.attrs.tests), 0));
    const strict = parseXml((await runCli(["lint", "--strict", "--format", "junit", ...FILES])).stdout);
    expect(Number(strict.attrs.failures)).toBe(3);
  });
});

describe("lint --format tap", () => {
  it("parses back: version, plan, a test point per file, YAML blocks", async () => {
    const r = await runCli(["lint", "--format", "tap", ...FILES]);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("TAP version 14");
    const plan = /^1\.\.(\d+)$/.exec(lines[1] ?? "");
    const points = lines.filter((l) => /^(not )?ok \d+ - /.test(l));
    expect(points.length).toBe(Number(plan?.[1]));
    expect(points.filter((p) => p.startsWith("not ok"))).toHaveLength(1);
    const blocks = r.stdout.split("\n  ---\n").slice(1).map((b) => load(b.slice(0, b.indexOf("\n  ...")).replace(/^ {2}/gm, "")) as { findings: { code: string }[] });
    expect(blocks.flatMap((b) => b.findings.map((f) => f.code)).sort()).toEqual(["duplicate-endpoint-ip", "invalid-port", "invalid-port"]);
  });
});
