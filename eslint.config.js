// Flat config: typescript-eslint's recommended rules, plus the one architectural rule that
// keeps the core free of the UI: only src/ui may import ink or react.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/ui/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'ink', message: 'Only src/ui may import ink: the core renders nothing.' },
            { name: 'react', message: 'Only src/ui may import react: the core renders nothing.' },
          ],
          patterns: [{ group: ['ink/*', 'react/*', '**/ui/**'], message: 'Only src/ui renders; the core must not depend on it.' }],
        },
      ],
    },
  },
);
