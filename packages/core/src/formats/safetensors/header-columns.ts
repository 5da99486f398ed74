/**
 * A checked header's params by index, in file order, for code that visits every param of a
 * checkpoint of perhaps a million tensors (inspect, the streaming driver): no object per param.
 */
import type { ParamRole } from '../../model/types.ts';
import type { SafetensorsHeader } from './header.ts';
import { safetensorsHeaderRoles } from './read-params.ts';

/** The params of a header by index, in file order. */
export interface SafetensorsHeaderColumns {
  readonly paramCount: number;
  paramName(index: number): string;
}

const COLUMNS = new WeakMap<SafetensorsHeader, SafetensorsHeaderColumns>();

/**
 * The params of `header` by index (cached per header).
 *
 * @example
 * ```ts
 * const columns = safetensorsHeaderColumns(header);
 * for (let index = 0; index < columns.paramCount; index++) console.log(columns.paramName(index));
 * ```
 */
export function safetensorsHeaderColumns(header: SafetensorsHeader): SafetensorsHeaderColumns {
  let columns = COLUMNS.get(header);
  if (columns === undefined) {
    const names = [...header.params.keys()];
    columns = { paramCount: names.length, paramName: (index) => names[index]! };
    COLUMNS.set(header, columns);
  }
  return columns;
}

/**
 * The inferred role of param `index` of `header` (see `safetensorsHeaderRoles`).
 *
 * @example
 * ```ts
 * safetensorsRoleAt(header, 0); // 'linear-weight'
 * ```
 */
export function safetensorsRoleAt(header: SafetensorsHeader, index: number): ParamRole {
  return safetensorsHeaderRoles(header).get(safetensorsHeaderColumns(header).paramName(index)) ?? 'other';
}
