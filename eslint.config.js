// Lint rules, including the architecture: dependencies point one way,
// diagnostics <- model <- compiler <- backends <- apply <- cli, and only src/apply and src/cli
// may start processes or touch the file system.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const layers = ["diagnostics", "model", "compiler", "backends", "apply", "cli"];
const sideEffectModules = ["node:child_process", "child_process", "node:fs", "fs", "node:fs/promises", "fs/promises"];

/** no-restricted-imports for a layer: nothing from the layers above it. */
function layerRule(layer) {
  const above = layers.slice(layers.indexOf(layer) + 1);
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
          patterns: above.map((upper) => ({
            group: [`**/${upper}/**`, `../${upper}`, `../../${upper}`],
            message: `src/${layer} may not depend on src/${upper}: dependencies point model <- compiler <- backends <- apply <- cli.`,
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
);
