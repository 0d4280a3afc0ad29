/**
 * Jest runs the TypeScript sources as native ESM (NODE_OPTIONS=--experimental-vm-modules, set by
 * the npm scripts), transformed by @swc/jest. Without the vm-modules flag Jest silently compiles
 * to CommonJS and import.meta breaks.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: "node",
  roots: ["<rootDir>/services", "<rootDir>/test", "<rootDir>/web"],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/web/dist/"],
  testMatch: ["**/*.test.ts"],
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: {
    "^#shared/(.*)\\.js$": "<rootDir>/services/shared/src/$1",
    "^#gen/(.*)\\.js$": "<rootDir>/gen/$1",
    "^(\\.{1,2}/.*)\\.js$": "$1",
  },
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      {
        jsc: { parser: { syntax: "typescript" }, target: "es2022" },
        module: { type: "es6" },
      },
    ],
  },
  testTimeout: 60_000,
  verbose: true,
};
