// The addon's surface as this package uses it (native/addon.cc is the other half).

export interface ProbeResult {
  readonly count: number;
  readonly error: number;
  readonly errorName: string;
  readonly errorString: string;
  readonly driverVersion: number;
  readonly runtimeVersion: number;
}

export interface NativeInfo {
  readonly device: number;
  readonly deviceName: string;
  readonly computeCapability: string;
  readonly multiProcessors: number;
  readonly totalMemory: number;
  readonly cublas: string | null;
  readonly cublasVersion: number;
  readonly cublasNote: string;
  readonly allowTf32: boolean;
}

export interface NativeContext {
  alloc(bytes: number): number;
  free(address: number): void;
  write(address: number, data: ArrayBufferView): void;
  read(address: number, into: ArrayBufferView): void;
  synchronize(): void;
  memory(): Record<string, number>;
  emptyCache(): void;
  info(): NativeInfo;
  setAllowTf32(allow: boolean): void;
  destroy(): void;
  unary(op: number, desc: Float64Array): void;
  binary(op: number, desc: Float64Array): void;
  where(desc: Float64Array): void;
  cast(desc: Float64Array): void;
  copy(desc: Float64Array): void;
  fill(desc: Float64Array, bits: number): void;
  arange(desc: Float64Array): void;
  random(desc: Float64Array): void;
  reduce(op: number, desc: Float64Array): void;
  scan(op: number, desc: Float64Array): void;
  matmul(desc: Float64Array): void;
  gather(desc: Float64Array): void;
  scatterAdd(desc: Float64Array): void;
  indexSelect(desc: Float64Array): void;
  conv2d(desc: Float64Array): void;
  conv2dBackwardInput(desc: Float64Array): void;
  conv2dBackwardWeight(desc: Float64Array): void;
  maxPool2d(desc: Float64Array): void;
  softmax(desc: Float64Array): void;
  layerNorm(desc: Float64Array): void;
  adam(desc: Float64Array): void;
  sgd(desc: Float64Array): void;
}

export interface NativeAddon {
  readonly abiVersion: number;
  probe(): ProbeResult;
  setErrorClass(ctor: new (message: string) => Error): void;
  Context: new (device: number, cublasCandidates: readonly string[], allowTf32: boolean) => NativeContext;
}
