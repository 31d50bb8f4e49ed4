// The jest environment of tests that run onnxruntime-node: its native binding creates typed arrays in
// Node's own realm, which onnxruntime-common then checks with `instanceof` against the test context's
// constructors; giving the context Node's typed-array classes makes both realms agree.
import { TestEnvironment } from 'jest-environment-node';

const TYPED_ARRAYS = [
  Float32Array,
  Float64Array,
  Int8Array,
  Int16Array,
  Int32Array,
  Uint8Array,
  Uint16Array,
  Uint32Array,
  BigInt64Array,
  BigUint64Array,
  Uint8ClampedArray,
];

export default class OnnxEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const type of TYPED_ARRAYS) this.global[type.name] = type;
  }
}
