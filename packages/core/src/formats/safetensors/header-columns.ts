/**
 * The inferred roles of a checked header's params, in a column: one byte per param, inferred once
 * per header (roles need every sibling's name, and a header may list a million);
 * `safetensorsHeaderRoles` gives them as a map.
 */
import { inferRoleOfRank } from '../../model/infer-role.ts';
import { PARAM_ROLES } from '../../model/param-roles.ts';
import type { ParamRole } from '../../model/types.ts';
import type { SafetensorsHeader } from './header.ts';

const ROLE_CODES = new Map<ParamRole, number>(PARAM_ROLES.map((role, code) => [role, code]));
const ROLES = new WeakMap<SafetensorsHeader, Uint8Array>();

/**
 * The inferred role of param `index` of `header` (see `inferRoles`, whose rules these are,
 * sibling rule included).
 *
 * @example
 * ```ts
 * safetensorsRoleAt(header, 0); // 'linear-weight'
 * ```
 */
export function safetensorsRoleAt(header: SafetensorsHeader, index: number): ParamRole {
  let roles = ROLES.get(header);
  if (roles === undefined) {
    roles = inferRoleColumn(header);
    ROLES.set(header, roles);
  }
  return PARAM_ROLES[roles[index]!]!;
}

/** `inferRoles` over the header's params, without a list or map of a million entries. */
function inferRoleColumn(header: SafetensorsHeader): Uint8Array {
  const { columns } = header;
  const roles = new Uint8Array(columns.count);
  // The one rule that needs siblings: a module holding running statistics is a BatchNorm.
  const normModules = new Set<string>();
  for (let index = 0; index < columns.count; index++) {
    const name = columns.name(index);
    if (name.includes('running_')) {
      const { module, last } = splitModule(name);
      if (last === 'running_mean' || last === 'running_var') normModules.add(module);
    }
  }
  for (let index = 0; index < columns.count; index++) {
    const name = columns.name(index);
    const rank = columns.rank(index);
    let role = inferRoleOfRank(name, rank);
    if (rank === 1 && normModules.size > 0) {
      const { module, last } = splitModule(name);
      if (normModules.has(module)) {
        if (last === 'weight') role = 'norm-gamma';
        else if (last === 'bias') role = 'norm-beta';
      }
    }
    roles[index] = ROLE_CODES.get(role)!;
  }
  return roles;
}

/** As `inferRoles` splits a name: the module path, and the last segment in lower case. */
function splitModule(name: string): { module: string; last: string } {
  const stripped = name.replace(/:\d+$/, '');
  const cut = Math.max(stripped.lastIndexOf('.'), stripped.lastIndexOf('/'));
  return { module: stripped.slice(0, Math.max(cut, 0)), last: stripped.slice(cut + 1).toLowerCase() };
}
