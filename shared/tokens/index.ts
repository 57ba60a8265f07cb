export * from './crystal-tokens.ts';
