/**
 * A small builder of ONNX graphs over onnx-proto's message classes: nodes get fresh output names,
 * weights become initializers, and `encode` serialises the model with protobufjs. Only the pieces the
 * transformer export needs (float32 weights, int64 constants, int/float/ints attributes).
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;
export const BOOL = onnx.TensorProto.DataType.BOOL;

export type AttributeValue = number | number[] | { float: number };

/** One graph input or output: element type and dimensions (numbers are fixed, strings are named axes). */
export interface TensorSpec {
  name: string;
  type: number;
  dims: ReadonlyArray<number | string>;
}

function valueInfo({ name, type, dims }: TensorSpec): onnxProto.onnx.ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: type,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function attribute(name: string, value: AttributeValue): onnxProto.onnx.AttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (Array.isArray(value))
    return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: value });
  if (typeof value === 'object')
    return onnx.AttributeProto.create({ name, type: AttributeType.FLOAT, f: value.float });
  return onnx.AttributeProto.create({ name, type: AttributeType.INT, i: value });
}

export class OnnxGraph {
  readonly #nodes: onnxProto.onnx.NodeProto[] = [];
  readonly #initializers: onnxProto.onnx.TensorProto[] = [];
  readonly #constants = new Map<string, string>();
  #counter = 0;

  /** Adds `op` and returns the names of its `outputs` outputs (one name when outputs is 1). */
  node(op: string, inputs: string[], attributes: Record<string, AttributeValue> = {}): string {
    return this.nodeOutputs(op, inputs, 1, attributes)[0]!;
  }

  nodeOutputs(
    op: string,
    inputs: string[],
    outputs: number,
    attributes: Record<string, AttributeValue> = {},
  ): string[] {
    const id = this.#counter++;
    const names = Array.from({ length: outputs }, (_, i) => `${op}_${id}${outputs > 1 ? `_${i}` : ''}`);
    this.#nodes.push(
      onnx.NodeProto.create({
        name: `${op}_${id}`,
        opType: op,
        input: inputs,
        output: names,
        attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
      }),
    );
    return names;
  }

  /** Makes `source` available under the graph output name `name`. */
  rename(source: string, name: string): void {
    this.#nodes.push(
      onnx.NodeProto.create({
        name: `Identity_${name}`,
        opType: 'Identity',
        input: [source],
        output: [name],
      }),
    );
  }

  /** A float32 initializer (the bytes are copied little-endian, which Float32Array is on every Node host). */
  weight(name: string, data: Float32Array, dims: readonly number[]): string {
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    this.#initializers.push(
      onnx.TensorProto.create({ name, dims: [...dims], dataType: FLOAT, rawData: bytes }),
    );
    return name;
  }

  /** An int64 constant (shared between uses of the same values); a scalar when `scalar` is set. */
  int64(values: readonly number[], scalar = false): string {
    const key = `${scalar ? 's' : 'v'}${values.join(',')}`;
    const known = this.#constants.get(key);
    if (known !== undefined) return known;
    const name = `const_${this.#constants.size}`;
    this.#initializers.push(
      onnx.TensorProto.create({
        name,
        dims: scalar ? [] : [values.length],
        dataType: INT64,
        int64Data: [...values],
      }),
    );
    this.#constants.set(key, name);
    return name;
  }

  /** A float32 scalar constant. */
  float(value: number): string {
    const key = `f${value}`;
    const known = this.#constants.get(key);
    if (known !== undefined) return known;
    const name = `const_${this.#constants.size}`;
    this.#initializers.push(onnx.TensorProto.create({ name, dims: [], dataType: FLOAT, floatData: [value] }));
    this.#constants.set(key, name);
    return name;
  }

  /** The serialised ModelProto. */
  encode(options: {
    name: string;
    inputs: TensorSpec[];
    outputs: TensorSpec[];
    opset: number;
    metadata: Record<string, string>;
  }): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: onnx.Version.IR_VERSION,
      producerName: 'cleangpt',
      opsetImport: [{ domain: '', version: options.opset }],
      metadataProps: Object.entries(options.metadata).map(([key, value]) => ({ key, value })),
      graph: {
        name: options.name,
        node: this.#nodes,
        initializer: this.#initializers,
        input: options.inputs.map(valueInfo),
        output: options.outputs.map(valueInfo),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/** The decoded ModelProto of an ONNX file (for checks of what a file holds). */
export function decodeOnnx(bytes: Uint8Array): onnxProto.onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
