import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Kernel tests create network namespaces; keep them from racing each other.
    fileParallelism: true,
    testTimeout: 60_000,
  },
});
