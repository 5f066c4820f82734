import { defineConfig } from "vitest/config";

export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  test: {
    environment: "jsdom",
    include: ["tests/**/*.test.{ts,tsx}"],
    // The markdown property tests take seconds; on a loaded 2-core machine more than 5.
    testTimeout: 30_000,
  },
});
