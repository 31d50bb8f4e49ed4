/**
 * A growable list of 32-bit integers: appends into a typed array that doubles when full, so a hot loop
 * pushing ids or units allocates only O(log n) times (a JavaScript array emptied and refilled reallocates
 * its backing store each time). `values.subarray(0, length)` is the content.
 */
export class Int32List {
  values: Int32Array;
  length = 0;

  constructor(capacity = 256) {
    this.values = new Int32Array(Math.max(1, capacity));
  }

  /** Appends `value`; returns the new length (as Array.prototype.push does). */
  push(value: number): number {
    if (this.length === this.values.length) {
      const grown = new Int32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
    return this.length;
  }

  clear(): void {
    this.length = 0;
  }
}
