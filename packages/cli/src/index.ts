export * from './cli-io.ts';
export * from './run-cli.ts';
export * from './commands/bench.ts';
export * from './commands/demo.ts';
