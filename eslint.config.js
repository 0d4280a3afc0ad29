import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Lint config: typescript-eslint's recommended type-aware rules on our sources; gen/ is generated. */
export default tseslint.config(
  { ignores: ["node_modules/", "gen/", "dist/", "web/dist/", "coverage/", "test-artifacts/", ".dev/", ".tmp/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-floating-promises": "error",
      // Prettier owns line breaks; this rule fights its method chains (as eslint-config-prettier turns it off).
      "no-unexpected-multiline": "off",
    },
  },
  {
    files: ["**/*.js"],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
