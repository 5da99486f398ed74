/**
 * `@whittle/prune`: pruning and sparse storage for whittle models (not yet released).
 *
 * Nothing is exported yet; see this package's README for what it will hold.
 * @packageDocumentation
 */
export {};
