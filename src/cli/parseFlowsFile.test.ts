import { describe, expect, it } from "vitest";
import { parseFlowsFile } from "./parseFlowsFile.js";
import { UsageError } from "./usageError.js";

describe("parseFlowsFile", () => {
  it("reads text: FROM TO PORT [allow|deny] a line, with comments and blank lines", () => {
    expect(parseFlowsFile("f.txt", "# flows\n a/b  c/d 80/TCP allow\n\n10.0.0.1 c/d http # named\n")).toEqual([
      { from: "a/b", to: "c/d", port: "80/TCP", expect: "allow", origin: "f.txt:2" },
      { from: "10.0.0.1", to: "c/d", port: "http", origin: "f.txt:4" },
    ]);
  });

  it("reads JSON: an array, or an object with flows", () => {
    const flows = [{ from: "a/b", to: "c/d", port: 80, expect: "deny" }];
    const want = [{ from: "a/b", to: "c/d", port: "80", expect: "deny", origin: "f.json: flow 1" }];
    expect(parseFlowsFile("f.json", JSON.stringify(flows))).toEqual(want);
    expect(parseFlowsFile("flows", JSON.stringify({ flows }))).toEqual([{ ...want[0], origin: "flows: flow 1" }]);
  });

  it("reads CSV with a header, in any column order, with quoted fields", () => {
    expect(parseFlowsFile("f.csv", 'port,from,to,expect\n80,"a/b",c/d,\n"53/UDP",a/b,c/d,deny\n')).toEqual([
      { from: "a/b", to: "c/d", port: "80", origin: "f.csv:2" },
      { from: "a/b", to: "c/d", port: "53/UDP", expect: "deny", origin: "f.csv:3" },
    ]);
  });

  it.each([
    ["f.txt", "a/b c/d"],
    ["f.txt", "a/b c/d 80 maybe"],
    ["f.json", "{"],
    ["f.json", '[{"from": "a/b", "to": "c/d"}]'],
    ["f.csv", "from,to\na/b,c/d\n"],
    ["f.csv", 'from,to,port\n"a/b,c/d,80\n'],
  ])("rejects %s %j with the place", (name, text) => {
    expect(() => parseFlowsFile(name, text)).toThrow(UsageError);
  });
});
