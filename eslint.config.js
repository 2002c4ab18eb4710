// Lint rules, including the architecture: dependencies point one way,
// diagnostics <- calico <- model <- semantics <- compiler <- backends <- apply <- datastore <- agent
// <- cli, and only src/apply and src/cli may start processes or touch the file system.
// - datastore: Calico's etcd layout and an etcd client (network I/O, injected endpoints).
// - agent: the node agent's loop (etcd in, incremental compile, apply out).
// - calico: facts about Calico that the compiler and the evaluator share (naming, order, tiers).
// - semantics: the reference evaluator. It may import the model and the facts only, never the
//   compiler; and the compiler uses it in one place only (packetPath, which places an evaluator
//   flow on the dataplane), so that each can check the other.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const layers = ["diagnostics", "calico", "model", "semantics", "compiler", "backends", "apply", "datastore", "agent", "cli"];
const sideEffectModules = ["node:child_process", "child_process", "node:fs", "fs", "node:fs/promises", "fs/promises"];

/** no-restricted-imports for a layer: nothing from the layers above it. */
function layerRule(layer) {
  const above = layers.slice(layers.indexOf(layer) + 1);
  // The compiler and the evaluator stay independent (see the header): the compiler skips the
  // semantics layer below it, except in packetPath.ts, exempted by its own block below.
  const forbidden = layer === "compiler" ? [...above, "semantics"] : above;
  const pure = !["apply", "cli"].includes(layer);
  return {
    files: [`src/${layer}/**/*.ts`],
    ignores: ["src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: pure
            ? sideEffectModules.map((name) => ({ name, message: "Only src/apply and src/cli may run processes or touch files." }))
            : [],
          patterns: forbidden.map((upper) => ({
            group: [`**/${upper}/**`, `../${upper}`, `../../${upper}`],
            message:
              upper === "semantics" && layer === "compiler"
                ? "src/compiler may not use the reference evaluator (src/semantics) outside packetPath.ts: the two check each other."
                : `src/${layer} may not depend on src/${upper}: dependencies point ${layers.join(" <- ")}.`,
          })),
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "bench/out/", "**/*.actual"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  ...layers.map(layerRule),
  {
    // The bridge from an evaluator flow to the IR interpreter: the compiler's one use of semantics.
    files: ["src/compiler/packetPath.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: sideEffectModules.map((name) => ({ name, message: "Only src/apply and src/cli may run processes or touch files." })),
          patterns: layers.slice(layers.indexOf("compiler") + 1).map((upper) => ({
            group: [`**/${upper}/**`, `../${upper}`, `../../${upper}`],
            message: `src/compiler may not depend on src/${upper}.`,
          })),
        },
      ],
    },
  },
);
