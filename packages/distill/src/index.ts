/**
 * `@whittle/distill`: knowledge distillation for whittle models and any tfjs model.
 * @packageDocumentation
 */
export * from './losses/index.ts';
export * from './train/index.ts';
