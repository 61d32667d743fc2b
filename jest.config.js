// Nest 12 ships ES modules and jest runs CommonJS: @swc/jest compiles both our TypeScript and @nestjs/* to
// CommonJS (hence @nestjs is let through transformIgnorePatterns). Worker threads are out of jest's reach;
// the pool gives them @swc-node/register (see lib/worker/worker-launch.ts) to load the same .ts files.
const swc = (syntax) => [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: syntax === 'typescript' ? { syntax, decorators: true } : { syntax },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': swc('typescript'),
    '^.+\\.m?js$': swc('ecmascript'),
  },
  transformIgnorePatterns: ['/node_modules/(?!@nestjs/)'],
  testTimeout: 60_000,
};
