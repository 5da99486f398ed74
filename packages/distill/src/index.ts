/**
 * `@whittle/distill`: knowledge distillation for whittle models, and students built from the
 * teacher (narrower, depthwise-separable, GRU and low-rank variants).
 * @packageDocumentation
 */
export * from './students/index.ts';
