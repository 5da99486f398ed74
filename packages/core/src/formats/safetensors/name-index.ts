/**
 * A set of names that holds them in a few joined strings and typed arrays, not a string and a
 * hash-table entry each: a file of a million tensors checks its names for clashes in tens of
 * megabytes, and the garbage collector has a few objects to trace instead of a million. Internal
 * to the safetensors folder.
 */

/** Names joined per batch. */
const BATCH = 4096;

/** A growable Uint32Array. */
class Column {
  values = new Uint32Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Uint32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
}

export class NameIndex {
  /** Joined batches of names, and the names of the batch not joined yet. */
  private readonly batches: string[] = [];
  private pending: string[] = [];
  /** Per name: where it starts in its batch, and its length. */
  private readonly starts = new Column();
  private readonly lengths = new Column();
  private readonly hashes = new Column();
  /** Open addressing: name id + 1, 0 for an empty slot. */
  private slots = new Int32Array(1024);

  get size(): number {
    return this.lengths.length;
  }

  /** Adds `name`; false (and nothing added) when it is there already. */
  add(name: string): boolean {
    const hash = hashOf(name);
    if (this.find(name, hash) >= 0) return false;
    if ((this.size + 1) * 2 > this.slots.length) this.grow();
    const id = this.size;
    this.place(id, hash);
    this.hashes.push(hash);
    this.lengths.push(name.length);
    this.starts.push(0);
    this.pending.push(name);
    if (this.pending.length === BATCH) this.flush();
    return true;
  }

  /** True when `name` was added. */
  has(name: string): boolean {
    return this.find(name, hashOf(name)) >= 0;
  }

  private find(name: string, hash: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const held = this.slots[slot]!;
      if (held === 0) return -1;
      const id = held - 1;
      if (this.hashes.values[id] === hash && this.lengths.values[id] === name.length && this.equals(id, name)) return id;
    }
  }

  private equals(id: number, name: string): boolean {
    const firstPending = this.batches.length * BATCH;
    if (id >= firstPending) return this.pending[id - firstPending] === name;
    const batch = this.batches[Math.floor(id / BATCH)]!;
    const start = this.starts.values[id]!;
    for (let at = 0; at < name.length; at++) if (batch.charCodeAt(start + at) !== name.charCodeAt(at)) return false;
    return true;
  }

  private flush(): void {
    let start = 0;
    const first = this.batches.length * BATCH;
    for (let index = 0; index < this.pending.length; index++) {
      this.starts.values[first + index] = start;
      start += this.pending[index]!.length;
    }
    this.batches.push(this.pending.join(''));
    this.pending = [];
  }

  private place(id: number, hash: number): void {
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = id + 1;
  }

  private grow(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    for (let id = 0; id < this.size; id++) this.place(id, this.hashes.values[id]!);
  }
}

/** FNV-1a over UTF-16 units. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let at = 0; at < text.length; at++) hash = Math.imul(hash ^ text.charCodeAt(at), 0x01000193);
  return hash >>> 0;
}
