/**
 * `@whittle/distill`: knowledge distillation for whittle models and any tfjs model: the losses,
 * the `distill` training loop, and students built from the teacher (narrower,
 * depthwise-separable, GRU and low-rank variants).
 * @packageDocumentation
 */
export * from './losses/index.ts';
export * from './train/index.ts';
export * from './students/index.ts';
export * from './recipes/index.ts';
export * from './search/index.ts';
