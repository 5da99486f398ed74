export {
  isSafetensorsDType,
  toSafetensorsDType,
  toWhittleDType,
  READABLE_SAFETENSORS_DTYPES,
  type SafetensorsDType,
} from './dtypes.ts';
export {
  SAFETENSORS_COMPONENT_SEPARATOR,
  SAFETENSORS_ENCODING_PREFIX,
  safetensorsComponentName,
  safetensorsEncodingKey,
} from './naming.ts';
export type { SafetensorsTensorInfo } from './tensor-entries.ts';
export type { SafetensorsParamInfo } from './header-params.ts';
export { MAX_SAFETENSORS_HEADER_SIZE, readSafetensorsHeader, type SafetensorsHeader } from './header.ts';
export { readSafetensorsRows, readSafetensorsTensor } from './read-tensor.ts';
export { concatenateRowBlocks, type BlockEncoder, type StreamedParam } from './row-blocks.ts';
export { iterateSafetensorsParams, readSafetensorsModel, readSafetensorsParam, readSafetensorsParamAt, safetensorsHeaderRoles } from './read-params.ts';
export { safetensorsRoleAt } from './header-columns.ts';
export type { ParamTable as SafetensorsParamColumns } from './header-params.ts';
export type { TensorTable as SafetensorsTensorColumns } from './tensor-table.ts';
export {
  planSafetensors,
  safetensorsParamLayout,
  type SafetensorsParamLayout,
  type SafetensorsPlan,
  type SafetensorsPlanOptions,
  type SafetensorsPlannedParam,
  type SafetensorsPlannedTensor,
} from './plan.ts';
export { memorySpill, type SpillStore } from './spill.ts';
export { writeSafetensors, type SafetensorsParams, type WriteSafetensorsOptions } from './write.ts';
