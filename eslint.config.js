// Lint rules: the recommended JavaScript and type-aware TypeScript sets.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // `npm test` runs with --test-force-exit, which ends a test file's process once the tests it knows
    // of have finished: a top-level await after the first test is registered can let the file exit
    // before the tests after it are registered, and they vanish from the count, failures and all.
    files: ['test/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'Program > :matches(ExpressionStatement, ForOfStatement, ForStatement, IfStatement, BlockStatement) ~ * AwaitExpression:not(:function AwaitExpression)',
          message: 'A top-level await after a statement that may register tests lets --test-force-exit drop the tests after it: await before the first test.',
        },
      ],
    },
  },
);
