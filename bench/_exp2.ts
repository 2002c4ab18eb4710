import { readFileSync } from "node:fs";
import { renderNftables } from "../src/backends/nftables/index.js";
import { parseRenderedNft } from "../src/apply/nftState.js";
import { planNftables } from "../src/apply/planNftables.js";
import type { Ir } from "../src/compiler/ir/types.js";
const ir = JSON.parse(readFileSync("/tmp/exp/L-ir.json", "utf8")) as Ir;
let t = performance.now();
const lap = (what: string) => { const n = performance.now(); console.log(what, Math.round(n - t)); t = n; };
for (let i = 0; i < 2; i++) {
  t = performance.now();
  const text = renderNftables(ir).map((f) => f.contents).join("\n");
  lap(`render ${text.length}`);
  const tables = parseRenderedNft(text);
  lap("parse");
  const j = JSON.stringify(tables.map(({ script: _s, ...rest }) => rest));
  lap(`stringify ${j.length}`);
  const back = JSON.parse(j);
  lap("parse json");
  const plan = planNftables(tables, back);
  lap(`plan ${plan.steps.length}`);
}
