/**
 * File names of the per-model plots: a model's name is data and may hold any characters.
 */

const MAX_NAME_PART = 64;

/**
 * One `layers-<model>.svg` file name per model name, in order: the name cut down to lower-case
 * letters, digits, dots, dashes and underscores (runs of anything else become one dash), never
 * starting with a dot or empty, and made unique with `-2`, `-3`… So no model name, `../x` or
 * `a/b` or a thousand characters, names a file outside the report's folder or two models one file.
 *
 * @example
 * ```ts
 * layerPlotFileNames(['lenet-5', 'LeNet 5', '../x']); // ['layers-lenet-5.svg', 'layers-lenet-5-2.svg', 'layers-x.svg']
 * ```
 */
export function layerPlotFileNames(models: readonly string[]): string[] {
  const taken = new Set<string>();
  return models.map((model) => {
    const slug =
      model
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, '-')
        .replace(/^[.-]+/, '')
        .slice(0, MAX_NAME_PART)
        .replace(/[.-]+$/, '') || 'model';
    let name = slug;
    for (let suffix = 2; taken.has(name); suffix++) name = `${slug}-${suffix}`;
    taken.add(name);
    return `layers-${name}.svg`;
  });
}
