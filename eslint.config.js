// Lint: type-aware rules plus the layering rule of shared/STYLE.md §1 ("imports point down only;
// siblings do not import each other"), enforced by eslint-plugin-boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from 'eslint-plugin-boundaries';

/** Layers, from top (cli) to bottom (common). A layer may import only what its `allow` lists. */
const elements = [
  { type: 'cli', pattern: 'src/cli' },
  { type: 'http', pattern: 'src/http' },
  { type: 's3x', pattern: 'src/s3x' },
  { type: 's3', pattern: 'src/s3' },
  { type: 'isgw', pattern: 'src/isgw' },
  { type: 'target', pattern: 'src/target' },
  { type: 'engine', pattern: 'src/engine' },
  { type: 'storage-local', pattern: 'src/storage/local' },
  { type: 'storage-memory', pattern: 'src/storage/memory' },
  { type: 'storage-cluster', pattern: 'src/storage/cluster' },
  { type: 'storage-contract', pattern: 'src/storage/contract' },
  { type: 'wire', pattern: 'src/wire' },
  { type: 'common', pattern: 'src/common' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'eslint.config.js', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        // node:test's test()/describe() return promises the runner itself awaits.
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-redundant-type-constituents': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': elements,
      'boundaries/include': ['src/**/*.ts'],
      'import/resolver': { typescript: { project: './tsconfig.json' } },
    },
    rules: {
      'boundaries/dependencies': ['error', {
        default: 'disallow',
        message: '{{from.type}} may not import {{to.type}} (shared/STYLE.md §1: imports point down only)',
        policies: [
          { from: { element: { type: 'cli' } }, allow: [{ to: { element: { type: ['http', 's3x', 's3', 'isgw', 'target', 'engine', 'storage-local', 'storage-memory', 'storage-cluster', 'storage-contract', 'wire', 'common', 'cli'] } } }] },
          { from: { element: { type: 'http' } }, allow: [{ to: { element: { type: ['s3', 's3x', 'common', 'http'] } } }] },
          { from: { element: { type: 's3x' } }, allow: [{ to: { element: { type: ['s3', 'engine', 'common', 's3x'] } } }] },
          { from: { element: { type: 's3' } }, allow: [{ to: { element: { type: ['engine', 'common', 's3'] } } }] },
          { from: { element: { type: 'isgw' } }, allow: [{ to: { element: { type: ['engine', 'wire', 'common', 'isgw'] } } }] },
          { from: { element: { type: 'target' } }, allow: [{ to: { element: { type: ['storage-local', 'storage-contract', 'wire', 'common', 'target'] } } }] },
          { from: { element: { type: 'engine' } }, allow: [{ to: { element: { type: ['storage-contract', 'common', 'engine'] } } }] },
          { from: { element: { type: 'storage-local' } }, allow: [{ to: { element: { type: ['storage-contract', 'common', 'storage-local'] } } }] },
          { from: { element: { type: 'storage-memory' } }, allow: [{ to: { element: { type: ['storage-contract', 'common', 'storage-memory'] } } }] },
          { from: { element: { type: 'storage-cluster' } }, allow: [{ to: { element: { type: ['storage-contract', 'wire', 'common', 'storage-cluster'] } } }] },
          { from: { element: { type: 'storage-contract' } }, allow: [{ to: { element: { type: ['common'] } } }] },
          { from: { element: { type: 'wire' } }, allow: [{ to: { element: { type: ['common', 'wire'] } } }] },
          { from: { element: { type: 'common' } }, allow: [{ to: { element: { type: ['common'] } } }] },
          // Entry points: another layer is reached only through its index.ts, never its internals
          // (STYLE.md §1). Imports inside one layer (its sub-folders too, e.g. s3/auth) are
          // "internal" dependencies, which this rule does not check; policies are last-match-wins,
          // so this one overrides the allows above.
          {
            disallow: [{ to: { element: { fileInternalPath: '!index.ts' } } }],
            message: '{{from.type}} may import {{to.type}} only through its index.ts, not {{to.internalPath}} (shared/STYLE.md §1)',
          },
        ],
      }],
      'boundaries/no-unknown-dependencies': 'error',
    },
  },
);
