// ESLint for the panel's own modules (`make lint`, or `npm run lint`): the recommended rules, in the
// browser. The vendored libraries are other projects' minified code: not ours to lint. ESLint does not
// read .gitignore: the git-ignored directories are listed too (cdk.out/ holds copies of the panel,
// .venv/ packages ship JavaScript of their own).
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["panel/vendor/**", "node_modules/**", "cdk.out/**", ".venv/**", ".local/**", "build/**", "test-artifacts/**"] },
  {
    files: ["panel/js/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: globals.browser,
    },
  },
  {
    // This file itself: an ES module Node reads (package.json has no "type": the name says module).
    files: ["eslint.config.js"],
    ...js.configs.recommended,
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
  },
];
