import { describe, expect, it } from "vitest";
import { printSelector } from "../../model/selector/index.js";
import { entity, sel } from "../testing/builders.js";
import { endpointSelector, entitySelectors } from "./effectiveSelector.js";

const text = (s: ReturnType<typeof endpointSelector>): string | undefined => (s ? printSelector(s) : undefined);

describe("effective EntityRule selectors (libcalico-go updateprocessors/rules.go)", () => {
  it("combines namespaceSelector and serviceAccounts as Calico's update processor does", () => {
    const e = entity({ namespaceSelector: sel("nskey == 'nsvalue'"), serviceAccounts: { names: ["sa3"], selector: sel("key == 'value2'") } });
    expect(text(endpointSelector(e, "ns1"))).toBe('(pcns.nskey == "nsvalue" && (pcsa.key == "value2" && projectcalico.org/serviceaccount in {"sa3"}))');
  });

  it("scopes a namespaced rule selector to the policy namespace", () => {
    expect(text(endpointSelector(entity({ selector: sel("role == 'db'") }), "prod"))).toBe('(projectcalico.org/namespace == "prod" && role == "db")');
    expect(text(endpointSelector(entity({ selector: sel("role == 'db'") }), undefined))).toBe('role == "db"');
    expect(endpointSelector(entity({ nets: ["10.0.0.0/8"] }), "prod")).toBeUndefined();
  });

  it("rewrites all() and global() in namespaceSelector", () => {
    expect(text(endpointSelector(entity({ namespaceSelector: sel("all()") }), undefined))).toBe("has(projectcalico.org/namespace)");
    expect(text(endpointSelector(entity({ namespaceSelector: sel("global()") }), undefined))).toBe("!has(projectcalico.org/namespace)");
  });

  it("folds notSelector into a positive selector, or keeps it negated alone", () => {
    const folded = entitySelectors(entity({ selector: sel("a == 'x'"), notSelector: sel("b == 'y'") }), undefined);
    expect(folded.positive && printSelector(folded.positive)).toBe('(a == "x" && !b == "y")');
    expect(folded.negatives).toEqual([]);
    const alone = entitySelectors(entity({ notSelector: sel("b == 'y'") }), undefined);
    expect(alone.positive).toBeUndefined();
    expect(alone.negatives.map(printSelector)).toEqual(['b == "y"']);
    // In a namespaced policy a notSelector alone still brings in the namespace part.
    const scoped = entitySelectors(entity({ notSelector: sel("b == 'y'") }), "ns");
    expect(scoped.positive && printSelector(scoped.positive)).toBe('(projectcalico.org/namespace == "ns" && !b == "y")');
  });

  it("turns v1 tags into has(tag)", () => {
    expect(text(endpointSelector(entity({ tag: "web" }), undefined))).toBe("has(web)");
    expect(text(endpointSelector(entity({ tag: "web", selector: sel("a == 'b'") }), undefined))).toBe('(a == "b" && has(web))');
    expect(entitySelectors(entity({ notTag: "web" }), undefined).negatives.map(printSelector)).toEqual(["has(web)"]);
  });
});
