/**
 * `@whittle/core/safetensors`: safetensors checkpoints in memory or behind a byte source: the
 * header, params and tensors, and the writer.
 */
export {
  READABLE_SAFETENSORS_DTYPES,
  isSafetensorsDType,
  toSafetensorsDType,
  toWhittleDType,
} from './dtypes.ts';
export type { SafetensorsDType } from './dtypes.ts';
export { safetensorsRoleAt } from './header-columns.ts';
export type { SafetensorsParamInfo } from './header-params.ts';
export { MAX_SAFETENSORS_HEADER_SIZE, readSafetensorsHeader } from './header.ts';
export type { SafetensorsHeader } from './header.ts';
export { planSafetensors, safetensorsParamLayout } from './plan.ts';
export type {
  SafetensorsParamLayout,
  SafetensorsPlan,
  SafetensorsPlanOptions,
  SafetensorsPlannedParam,
  SafetensorsPlannedTensor,
} from './plan.ts';
export {
  iterateSafetensorsParams,
  readSafetensorsModel,
  readSafetensorsParam,
  readSafetensorsParamAt,
  safetensorsHeaderRoles,
} from './read-params.ts';
export { readSafetensorsRows, readSafetensorsTensor } from './read-tensor.ts';
export type { StreamedParam } from './row-blocks.ts';
export type { SafetensorsTensorInfo } from './tensor-entries.ts';
export { writeSafetensors } from './write.ts';
export type { SafetensorsParams, WriteSafetensorsOptions } from './write.ts';
