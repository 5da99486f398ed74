/**
 * A read-only map over columns: entries by index, made when asked for, so a header's
 * `tensors` and `params` read like maps without an object per tensor held. Internal to the
 * safetensors folder.
 */
export class IndexedMap<Value> implements ReadonlyMap<string, Value> {
  constructor(
    readonly size: number,
    private readonly keyAt: (index: number) => string,
    private readonly valueAt: (index: number) => Value,
    private readonly indexOf: (key: string) => number,
  ) {}

  get(key: string): Value | undefined {
    const index = this.indexOf(key);
    return index < 0 ? undefined : this.valueAt(index);
  }

  has(key: string): boolean {
    return this.indexOf(key) >= 0;
  }

  forEach(callback: (value: Value, key: string, map: ReadonlyMap<string, Value>) => void, thisArg?: unknown): void {
    for (let index = 0; index < this.size; index++) callback.call(thisArg, this.valueAt(index), this.keyAt(index), this);
  }

  *keys(): MapIterator<string> {
    for (let index = 0; index < this.size; index++) yield this.keyAt(index);
  }

  *values(): MapIterator<Value> {
    for (let index = 0; index < this.size; index++) yield this.valueAt(index);
  }

  *entries(): MapIterator<[string, Value]> {
    for (let index = 0; index < this.size; index++) yield [this.keyAt(index), this.valueAt(index)];
  }

  [Symbol.iterator](): MapIterator<[string, Value]> {
    return this.entries();
  }
}
