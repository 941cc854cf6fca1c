// N-API glue: module-level probes (device count, versions) and the Context class that owns one
// device's stream, caching allocator and cuBLAS handle and launches every kernel.
//
// JS passes kernel arguments as one Float64Array descriptor per call (pointers are byte
// addresses below 2^53, already offset to the view's first element); src/internal/encode.ts
// writes them and is the other half of every format read here.
#include <napi.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "allocator.h"
#include "cublas_loader.h"
#include "kiln_cuda.h"

namespace kiln {

namespace {

Napi::FunctionReference* gErrorClass = nullptr;

[[noreturn]] void throwKiln(Napi::Env env, const std::string& message) {
  if (gErrorClass != nullptr && !gErrorClass->IsEmpty()) {
    Napi::Object err = gErrorClass->New({Napi::String::New(env, message)});
    throw Napi::Error(env, err);
  }
  throw Napi::Error::New(env, message);
}

std::string cudaMessage(const char* what, cudaError_t err) {
  return std::string("cuda: ") + what + " failed: " + cudaGetErrorString(err) + " (" + cudaGetErrorName(err) + ")";
}

// Reads a kernel descriptor, refusing to run past its end.
class Desc {
 public:
  Desc(Napi::Env env, const Napi::Value& value, const char* kernel) : env_(env), kernel_(kernel) {
    if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      throwKiln(env, std::string("cuda: ") + kernel + ": descriptor must be a Float64Array");
    }
    auto arr = value.As<Napi::Float64Array>();
    data_ = arr.Data();
    size_ = arr.ElementLength();
  }
  double num() {
    if (pos_ >= size_) throwKiln(env_, std::string("cuda: ") + kernel_ + ": descriptor too short");
    return data_[pos_++];
  }
  int64_t i64() { return static_cast<int64_t>(num()); }
  int i32() { return static_cast<int>(num()); }
  char* ptr() { return reinterpret_cast<char*>(static_cast<uintptr_t>(num())); }
  Shape shape() {
    Shape s{};
    s.rank = i32();
    if (s.rank < 0 || s.rank > kMaxRank) throwKiln(env_, std::string("cuda: ") + kernel_ + ": rank above 8");
    for (int d = 0; d < s.rank; ++d) s.size[d] = i64();
    return s;
  }
  Operand operand(int rank) {
    Operand o{};
    o.ptr = ptr();
    for (int d = 0; d < rank; ++d) o.stride[d] = i64();
    return o;
  }

 private:
  Napi::Env env_;
  const char* kernel_;
  const double* data_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;
};

}  // namespace

class Context : public Napi::ObjectWrap<Context> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "Context",
        {
            InstanceMethod<&Context::Alloc>("alloc"),
            InstanceMethod<&Context::Free>("free"),
            InstanceMethod<&Context::Write>("write"),
            InstanceMethod<&Context::Read>("read"),
            InstanceMethod<&Context::Synchronize>("synchronize"),
            InstanceMethod<&Context::Memory>("memory"),
            InstanceMethod<&Context::EmptyCache>("emptyCache"),
            InstanceMethod<&Context::Info>("info"),
            InstanceMethod<&Context::SetAllowTf32>("setAllowTf32"),
            InstanceMethod<&Context::Destroy>("destroy"),
            InstanceMethod<&Context::Unary>("unary"),
            InstanceMethod<&Context::Binary>("binary"),
            InstanceMethod<&Context::Where>("where"),
            InstanceMethod<&Context::Cast>("cast"),
            InstanceMethod<&Context::Copy>("copy"),
            InstanceMethod<&Context::Fill>("fill"),
            InstanceMethod<&Context::Arange>("arange"),
            InstanceMethod<&Context::Random>("random"),
            InstanceMethod<&Context::Reduce>("reduce"),
            InstanceMethod<&Context::Scan>("scan"),
            InstanceMethod<&Context::Matmul>("matmul"),
            InstanceMethod<&Context::Gather>("gather"),
            InstanceMethod<&Context::ScatterAdd>("scatterAdd"),
            InstanceMethod<&Context::IndexSelect>("indexSelect"),
            InstanceMethod<&Context::Conv2d>("conv2d"),
            InstanceMethod<&Context::Conv2dBackwardInput>("conv2dBackwardInput"),
            InstanceMethod<&Context::Conv2dBackwardWeight>("conv2dBackwardWeight"),
            InstanceMethod<&Context::MaxPool2d>("maxPool2d"),
            InstanceMethod<&Context::Softmax>("softmax"),
            InstanceMethod<&Context::LayerNorm>("layerNorm"),
            InstanceMethod<&Context::Adam>("adam"),
            InstanceMethod<&Context::Sgd>("sgd"),
        });
  }

  // new Context(device, cublasCandidates: string[], allowTf32: boolean)
  explicit Context(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Context>(info) {
    Napi::Env env = info.Env();
    device_ = info[0].As<Napi::Number>().Int32Value();
    check(env, cudaSetDevice(device_), "cudaSetDevice");
    check(env, cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
    cudaDeviceProp prop{};
    check(env, cudaGetDeviceProperties(&prop, device_), "cudaGetDeviceProperties");
    deviceName_ = prop.name;
    smCount_ = prop.multiProcessorCount;
    major_ = prop.major;
    minor_ = prop.minor;
    totalMemory_ = prop.totalGlobalMem;
    std::vector<std::string> candidates;
    if (info.Length() > 1 && info[1].IsArray()) {
      Napi::Array arr = info[1].As<Napi::Array>();
      for (uint32_t i = 0; i < arr.Length(); ++i) candidates.push_back(arr.Get(i).As<Napi::String>().Utf8Value());
    }
    if (cublas_.load(candidates, &cublasNote_)) {
      std::string diag;
      if (!cublas_.createHandle(stream_, &diag)) cublasNote_ = cublas_.path() + ": " + diag;
    }
    allowTf32_ = info.Length() > 2 && info[2].ToBoolean().Value();
    cublas_.setTf32(allowTf32_);
  }

 private:
  void check(Napi::Env env, cudaError_t err, const char* what) {
    if (err != cudaSuccess) {
      cudaGetLastError();
      throwKiln(env, cudaMessage(what, err));
    }
  }
  void checkKernel(Napi::Env env, cudaError_t err, const char* kernel) {
    lastKernel_ = kernel;
    if (err != cudaSuccess) {
      cudaGetLastError();
      throwKiln(env, std::string("cuda: kernel ") + kernel + " failed: " + cudaGetErrorString(err) + " (" +
                         cudaGetErrorName(err) + ")");
    }
  }
  void alive(Napi::Env env) {
    if (destroyed_) throwKiln(env, "cuda: the backend was destroyed");
    cudaSetDevice(device_);
  }

  void* allocate(Napi::Env env, size_t bytes) {
    void* ptr = nullptr;
    const cudaError_t err = allocator_.allocate(bytes, &ptr);
    if (err != cudaSuccess) {
      size_t freeBytes = 0, totalBytes = 0;
      cudaMemGetInfo(&freeBytes, &totalBytes);
      cudaGetLastError();
      throwKiln(env, "cuda: alloc: out of memory allocating " + std::to_string(bytes) + " bytes (" +
                         std::to_string(freeBytes) + " of " + std::to_string(totalBytes) +
                         " bytes free on the device after releasing the cache; " + cudaGetErrorString(err) +
                         ")\nhelp: free tensors you no longer need (dispose(), tidy()) or use a smaller batch");
    }
    return ptr;
  }

  // A temporary device buffer, returned to the cache when the kernel call ends. Stream order
  // makes the reuse safe: later work on the stream runs after the kernels that used it.
  struct Scratch {
    Context* ctx;
    void* ptr = nullptr;
    Scratch(Context* c, Napi::Env env, size_t bytes) : ctx(c) { ptr = bytes ? c->allocate(env, bytes) : nullptr; }
    ~Scratch() {
      if (ptr != nullptr) ctx->allocator_.release(ptr);
    }
    float* f() const { return static_cast<float*>(ptr); }
  };

  Napi::Value Alloc(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    const double bytes = info[0].As<Napi::Number>().DoubleValue();
    void* ptr = allocate(env, static_cast<size_t>(bytes));
    const uintptr_t address = reinterpret_cast<uintptr_t>(ptr);
    if (address > (1ULL << 53)) {
      allocator_.release(ptr);
      throwKiln(env, "cuda: alloc: device address above 2^53 cannot be represented");
    }
    if (bytes > 0) check(env, cudaMemsetAsync(ptr, 0, static_cast<size_t>(bytes), stream_), "cudaMemsetAsync (alloc)");
    return Napi::Number::New(env, static_cast<double>(address));
  }

  Napi::Value Free(const Napi::CallbackInfo& info) {
    if (!destroyed_) {
      const double address = info[0].As<Napi::Number>().DoubleValue();
      allocator_.release(reinterpret_cast<void*>(static_cast<uintptr_t>(address)));
    }
    return info.Env().Undefined();
  }

  // write(address, typedArray): host to device on the stream.
  Napi::Value Write(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    char* dst = reinterpret_cast<char*>(static_cast<uintptr_t>(info[0].As<Napi::Number>().DoubleValue()));
    Napi::TypedArray arr = info[1].As<Napi::TypedArray>();
    const size_t bytes = arr.ByteLength();
    if (bytes == 0) return env.Undefined();
    const char* src = static_cast<const char*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
    check(env, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_), "cudaMemcpyAsync (write)");
    // NOTE: pageable host memory is staged before cudaMemcpyAsync returns, so the JS array may be
    // collected at once; the stream keeps the copy ordered before later kernels.
    return env.Undefined();
  }

  // read(address, typedArray): device to host, then waits for the stream.
  Napi::Value Read(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    const char* src = reinterpret_cast<const char*>(static_cast<uintptr_t>(info[0].As<Napi::Number>().DoubleValue()));
    Napi::TypedArray arr = info[1].As<Napi::TypedArray>();
    const size_t bytes = arr.ByteLength();
    char* dst = static_cast<char*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
    if (bytes > 0) check(env, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_), "cudaMemcpyAsync (read)");
    syncStream(env, "read");
    return env.Undefined();
  }

  void syncStream(Napi::Env env, const char* what) {
    const cudaError_t err = cudaStreamSynchronize(stream_);
    if (err != cudaSuccess) {
      cudaGetLastError();
      throwKiln(env, std::string("cuda: ") + what + ": the stream reported " + cudaGetErrorString(err) + " (" +
                         cudaGetErrorName(err) + ") after kernel " + lastKernel_);
    }
  }

  Napi::Value Synchronize(const Napi::CallbackInfo& info) {
    alive(info.Env());
    syncStream(info.Env(), "synchronize");
    return info.Env().Undefined();
  }

  Napi::Value Memory(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const AllocatorStats& s = allocator_.stats();
    Napi::Object o = Napi::Object::New(env);
    o.Set("bytesInUse", static_cast<double>(s.bytesInUse));
    o.Set("buffers", static_cast<double>(s.buffers));
    o.Set("bytesReserved", static_cast<double>(s.bytesReserved));
    o.Set("bytesCached", static_cast<double>(s.bytesCached));
    o.Set("peakBytesInUse", static_cast<double>(s.peakBytesInUse));
    o.Set("cacheHits", static_cast<double>(s.cacheHits));
    o.Set("cudaMallocs", static_cast<double>(s.cudaMallocs));
    o.Set("cacheFlushes", static_cast<double>(s.cacheFlushes));
    if (!destroyed_) {
      size_t freeBytes = 0, totalBytes = 0;
      if (cudaMemGetInfo(&freeBytes, &totalBytes) == cudaSuccess) {
        o.Set("deviceFreeBytes", static_cast<double>(freeBytes));
        o.Set("deviceTotalBytes", static_cast<double>(totalBytes));
      } else {
        cudaGetLastError();
      }
    }
    return o;
  }

  Napi::Value EmptyCache(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    syncStream(env, "emptyCache");
    check(env, allocator_.emptyCache(), "cudaFree (emptyCache)");
    return env.Undefined();
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("device", device_);
    o.Set("deviceName", deviceName_);
    o.Set("computeCapability", std::to_string(major_) + "." + std::to_string(minor_));
    o.Set("multiProcessors", smCount_);
    o.Set("totalMemory", static_cast<double>(totalMemory_));
    o.Set("cublas", cublas_.ready() ? Napi::Value(Napi::String::New(env, cublas_.path())) : env.Null());
    o.Set("cublasVersion", cublas_.version());
    o.Set("cublasNote", cublasNote_);
    o.Set("allowTf32", allowTf32_);
    return o;
  }

  Napi::Value SetAllowTf32(const Napi::CallbackInfo& info) {
    alive(info.Env());
    allowTf32_ = info[0].ToBoolean().Value();
    cublas_.setTf32(allowTf32_);
    return info.Env().Undefined();
  }

  Napi::Value Destroy(const Napi::CallbackInfo& info) {
    if (!destroyed_) {
      cudaSetDevice(device_);
      cudaStreamSynchronize(stream_);
      allocator_.releaseAll();
      destroyed_ = true;
      cudaGetLastError();
    }
    return info.Env().Undefined();
  }

  // --------------------------------------------------------------------------------------------
  // elementwise: [n, rank, sizes, outPtr, outDtype, (ptr, dtype, strides) per input]

  Napi::Value Unary(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    const int op = info[0].As<Napi::Number>().Int32Value();
    Desc d(env, info[1], "unary");
    const int64_t n = d.i64();
    const Shape s = d.shape();
    char* out = d.ptr();
    const int od = d.i32();
    int xd = 0;
    const Operand x = operandWithDtype(d, s, &xd);
    if (n > 0) checkKernel(env, launchUnary(stream_, op, n, s, x, xd, out, od), "unary");
    return env.Undefined();
  }

  Operand operandWithDtype(Desc& d, const Shape& s, int* dtype) {
    Operand o{};
    o.ptr = d.ptr();
    *dtype = d.i32();
    for (int k = 0; k < s.rank; ++k) o.stride[k] = d.i64();
    return o;
  }

  Napi::Value Binary(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    const int op = info[0].As<Napi::Number>().Int32Value();
    Desc d(env, info[1], "binary");
    const int64_t n = d.i64();
    const Shape s = d.shape();
    char* out = d.ptr();
    const int od = d.i32();
    int ad = 0, bd = 0;
    const Operand a = operandWithDtype(d, s, &ad);
    const Operand b = operandWithDtype(d, s, &bd);
    if (n > 0) checkKernel(env, launchBinary(stream_, op, n, s, a, b, ad, out, od), "binary");
    return env.Undefined();
  }

  Napi::Value Where(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    Desc d(env, info[0], "where");
    const int64_t n = d.i64();
    const Shape s = d.shape();
    char* out = d.ptr();
    const int od = d.i32();
    int cd = 0, ad = 0, bd = 0;
    const Operand c = operandWithDtype(d, s, &cd);
    const Operand a = operandWithDtype(d, s, &ad);
    const Operand b = operandWithDtype(d, s, &bd);
    if (n > 0) checkKernel(env, launchWhere(stream_, n, s, c, a, b, dtypeSize(od), out), "where");
    return env.Undefined();
  }

  Napi::Value Cast(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    Desc d(env, info[0], "cast");
    const int64_t n = d.i64();
    const Shape s = d.shape();
    char* out = d.ptr();
    const int od = d.i32();
    int xd = 0;
    const Operand x = operandWithDtype(d, s, &xd);
    if (n > 0) checkKernel(env, launchCast(stream_, n, s, x, xd, out, od), "cast");
    return env.Undefined();
  }

  // copy: [n, rank, sizes, (srcPtr, dtype, strides), (dstPtr, dtype, strides)]
  Napi::Value Copy(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    Desc d(env, info[0], "copy");
    const int64_t n = d.i64();
    const Shape s = d.shape();
    int sd = 0, dd = 0;
    const Operand src = operandWithDtype(d, s, &sd);
    const Operand dst = operandWithDtype(d, s, &dd);
    if (n > 0) checkKernel(env, launchCopy(stream_, n, s, src, dst, dtypeSize(sd)), "copy");
    return env.Undefined();
  }

  // fill: [n, rank, sizes, (dstPtr, dtype, strides)], bits
  Napi::Value Fill(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    Desc d(env, info[0], "fill");
    const uint32_t bits = static_cast<uint32_t>(info[1].As<Napi::Number>().DoubleValue());
    const int64_t n = d.i64();
    const Shape s = d.shape();
    int dd = 0;
    const Operand dst = operandWithDtype(d, s, &dd);
    if (n > 0) checkKernel(env, launchFill(stream_, n, s, dst, dtypeSize(dd), bits), "fill");
    return env.Undefined();
  }

  // arange: [outPtr, dtype, n, start, step]
  Napi::Value Arange(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    Desc d(env, info[0], "arange");
    char* out = d.ptr();
    const int od = d.i32();
    const int64_t n = d.i64();
    const double start = d.num(), step = d.num();
    if (n > 0) checkKernel(env, launchArange(stream_, out, od, n, start, step), "arange");
    return env.Undefined();
  }

  // random: [outPtr, n, normal, seedLow, seedHigh, offset]
  Napi::Value Random(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    Desc d(env, info[0], "random");
    float* out = reinterpret_cast<float*>(d.ptr());
    const int64_t n = d.i64();
    const int normal = d.i32();
    const uint32_t k0 = static_cast<uint32_t>(d.num());
    const uint32_t k1 = static_cast<uint32_t>(d.num());
    const uint64_t offset = static_cast<uint64_t>(d.num());
    if (n > 0) checkKernel(env, launchRandom(stream_, out, n, normal, k0, k1, offset), "random");
    return env.Undefined();
  }

  // reduce: [outer, inner, keptShape, redShape, xPtr, xDtype, keptStrides, redStrides, outPtr, outDtype]
  Napi::Value Reduce(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    const int op = info[0].As<Napi::Number>().Int32Value();
    Desc d(env, info[1], "reduce");
    ReduceArgs r{};
    r.outer = d.i64();
    r.inner = d.i64();
    r.kept = d.shape();
    r.red = d.shape();
    r.xKept.ptr = d.ptr();
    r.xd = d.i32();
    for (int k = 0; k < r.kept.rank; ++k) r.xKept.stride[k] = d.i64();
    r.xRed.ptr = r.xKept.ptr;
    for (int k = 0; k < r.red.rank; ++k) r.xRed.stride[k] = d.i64();
    r.out = d.ptr();
    r.od = d.i32();
    if (r.outer == 0) return env.Undefined();
    int chunks = 0;
    const int64_t scratchBytes = reduceScratchBytes(r, op, smCount_, &chunks);
    Scratch scratch(this, env, static_cast<size_t>(scratchBytes));
    checkKernel(env, launchReduce(stream_, op, r, chunks, scratch.ptr), "reduce");
    return env.Undefined();
  }

  // scan: [outer, len, keptShape, xPtr, xDtype, xKeptStrides, xAxisStride, outPtr, outDtype, outKeptStrides,
  // outAxisStride]
  Napi::Value Scan(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    const int op = info[0].As<Napi::Number>().Int32Value();
    Desc d(env, info[1], "scan");
    const int64_t outer = d.i64(), len = d.i64();
    const Shape kept = d.shape();
    int xd = 0, od = 0;
    const Operand x = operandWithDtype(d, kept, &xd);
    const int64_t xa = d.i64();
    const Operand o = operandWithDtype(d, kept, &od);
    const int64_t oa = d.i64();
    if (outer > 0 && len > 0) checkKernel(env, launchScan(stream_, op, outer, len, kept, x, xa, xd, o, oa, od), "scan");
    return env.Undefined();
  }

  // Row-major batched GEMM through cuBLAS when loaded, else the addon's kernel.
  void gemm(Napi::Env env, const char* kernel, bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* A,
            int64_t lda, int64_t sA, const float* B, int64_t ldb, int64_t sB, float* C, int64_t ldc, int64_t sC,
            int64_t batch, float beta) {
    if (m == 0 || n == 0 || batch == 0) return;
    const int64_t kMax = 0x7fffffffLL;
    if (cublas_.ready() && m <= kMax && n <= kMax && k <= kMax && lda <= kMax && ldb <= kMax && ldc <= kMax &&
        batch <= kMax) {
      const int status = cublas_.gemm(ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), A,
                                      static_cast<int>(lda), sA, B, static_cast<int>(ldb), sB, C,
                                      static_cast<int>(ldc), sC, static_cast<int>(batch), beta);
      lastKernel_ = kernel;
      if (status != 0) {
        throwKiln(env, std::string("cuda: kernel ") + kernel + " failed in cuBLAS: " + Cublas::statusName(status));
      }
      return;
    }
    checkKernel(env, launchGemm(stream_, ta, tb, m, n, k, A, lda, sA, B, ldb, sB, C, ldc, sC, batch, beta), kernel);
  }

  // matmul: [transA, transB, m, n, k, aPtr, lda, strideA, bPtr, ldb, strideB, cPtr, ldc, strideC, batch]
  Napi::Value Matmul(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    Desc d(env, info[0], "matmul");
    const bool ta = d.i32() != 0, tb = d.i32() != 0;
    const int64_t m = d.i64(), n = d.i64(), k = d.i64();
    const float* A = reinterpret_cast<const float*>(d.ptr());
    const int64_t lda = d.i64(), sA = d.i64();
    const float* B = reinterpret_cast<const float*>(d.ptr());
    const int64_t ldb = d.i64(), sB = d.i64();
    float* C = reinterpret_cast<float*>(d.ptr());
    const int64_t ldc = d.i64(), sC = d.i64(), batch = d.i64();
    gemm(env, "matmul", ta, tb, m, n, k, A, lda, sA, B, ldb, sB, C, ldc, sC, batch, 0.f);
    return env.Undefined();
  }

  // gather: [n, rank, sizes, outPtr, esize, idxPtr, idxStrides, xPtr, xStrides (axis 0), xAxisStride]
  Napi::Value Gather(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    Desc d(env, info[0], "gather");
    const int64_t n = d.i64();
    const Shape s = d.shape();
    char* out = d.ptr();
    const int esize = d.i32();
    const Operand idx = d.operand(s.rank);
    const Operand x = d.operand(s.rank);
    const int64_t xa = d.i64();
    if (n > 0) checkKernel(env, launchGather(stream_, n, s, idx, x, xa, out, esize), "gather");
    return env.Undefined();
  }

  // scatterAdd: [n, rank, sizes, dstPtr, dtype, dstStrides (axis 0), dstAxisStride, idxPtr, idxStrides, srcPtr,
  // srcStrides]
  Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    Desc d(env, info[0], "scatterAdd");
    const int64_t n = d.i64();
    const Shape s = d.shape();
    int dt = 0;
    const Operand dst = operandWithDtype(d, s, &dt);
    const int64_t da = d.i64();
    const Operand idx = d.operand(s.rank);
    const Operand src = d.operand(s.rank);
    if (n > 0) checkKernel(env, launchScatterAdd(stream_, n, s, idx, src, dst, da, dt), "scatterAdd");
    return env.Undefined();
  }

  // indexSelect: [n, rank, sizes (out), axis, outPtr, esize, xPtr, xStrides, idxPtr, idxStride]
  Napi::Value IndexSelect(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    Desc d(env, info[0], "indexSelect");
    const int64_t n = d.i64();
    const Shape s = d.shape();
    const int axis = d.i32();
    char* out = d.ptr();
    const int esize = d.i32();
    const Operand x = d.operand(s.rank);
    const int32_t* idx = reinterpret_cast<const int32_t*>(d.ptr());
    const int64_t is = d.i64();
    if (axis < 0 || axis >= s.rank) throwKiln(env, "cuda: indexSelect: axis out of range");
    if (n > 0) checkKernel(env, launchIndexSelect(stream_, n, s, axis, x, idx, is, out, esize), "indexSelect");
    return env.Undefined();
  }

  struct ConvGeom {
    int N, C, H, W, O, kh, kw, sh, sw, ph, pw, dh, dw, groups, Ho, Wo;
  };
  static ConvGeom readGeom(Desc& d) {
    ConvGeom g{};
    int* fields[] = {&g.N, &g.C, &g.H, &g.W, &g.O, &g.kh, &g.kw, &g.sh, &g.sw, &g.ph, &g.pw, &g.dh, &g.dw,
                     &g.groups, &g.Ho, &g.Wo};
    for (int* f : fields) *f = d.i32();
    return g;
  }

  // conv2d: [geom(16), xPtr, xs0..3, wPtr (contiguous), biasPtr (0: none), biasStride, outPtr]
  Napi::Value Conv2d(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    Desc d(env, info[0], "conv2d");
    const ConvGeom g = readGeom(d);
    const float* x = reinterpret_cast<const float*>(d.ptr());
    int64_t xs[4];
    for (auto& v : xs) v = d.i64();
    const float* w = reinterpret_cast<const float*>(d.ptr());
    const float* bias = reinterpret_cast<const float*>(d.ptr());
    const int64_t biasStride = d.i64();
    float* out = reinterpret_cast<float*>(d.ptr());
    const int64_t L = static_cast<int64_t>(g.Ho) * g.Wo;
    const int64_t kk = static_cast<int64_t>(g.kh) * g.kw;
    const int64_t ckk = g.C * kk;
    if (static_cast<int64_t>(g.N) * g.O * L == 0) return env.Undefined();
    Scratch col(this, env, static_cast<size_t>(g.N * ckk * L * sizeof(float)));
    checkKernel(env,
                launchIm2col(stream_, x, xs, g.N, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.Ho,
                             g.Wo, col.f()),
                "conv2d (im2col)");
    const int64_t og = g.O / g.groups, cgkk = ckk / g.groups;
    for (int grp = 0; grp < g.groups; ++grp) {
      gemm(env, "conv2d (gemm)", false, false, og, L, cgkk, w + grp * og * cgkk, cgkk, 0, col.f() + grp * cgkk * L, L,
           ckk * L, out + grp * og * L, L, g.O * L, g.N, 0.f);
    }
    if (bias != nullptr) checkKernel(env, launchBiasAdd(stream_, out, bias, biasStride, g.N, g.O, L), "conv2d (bias)");
    return env.Undefined();
  }

  // conv2dBackwardInput: [geom(16), gradOutPtr (contiguous), wPtr (contiguous), outPtr]
  Napi::Value Conv2dBackwardInput(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    Desc d(env, info[0], "conv2dBackwardInput");
    const ConvGeom g = readGeom(d);
    const float* go = reinterpret_cast<const float*>(d.ptr());
    const float* w = reinterpret_cast<const float*>(d.ptr());
    float* out = reinterpret_cast<float*>(d.ptr());
    const int64_t L = static_cast<int64_t>(g.Ho) * g.Wo;
    const int64_t ckk = static_cast<int64_t>(g.C) * g.kh * g.kw;
    if (static_cast<int64_t>(g.N) * g.C * g.H * g.W == 0) return env.Undefined();
    Scratch col(this, env, static_cast<size_t>(g.N * ckk * (L > 0 ? L : 1) * sizeof(float)));
    const int64_t og = g.O / g.groups, cgkk = ckk / g.groups;
    if (L > 0 && og > 0) {
      for (int grp = 0; grp < g.groups; ++grp) {
        gemm(env, "conv2dBackwardInput (gemm)", true, false, cgkk, L, og, w + grp * og * cgkk, cgkk, 0,
             go + grp * og * L, L, g.O * L, col.f() + grp * cgkk * L, L, ckk * L, g.N, 0.f);
      }
    } else {
      check(env, cudaMemsetAsync(col.ptr, 0, g.N * ckk * sizeof(float), stream_), "cudaMemsetAsync");
    }
    checkKernel(env,
                launchCol2im(stream_, col.f(), g.N, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.Ho,
                             g.Wo, out),
                "conv2dBackwardInput (col2im)");
    return env.Undefined();
  }

  // conv2dBackwardWeight: [geom(16), xPtr, xs0..3, gradOutPtr (contiguous), outPtr]
  Napi::Value Conv2dBackwardWeight(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    Desc d(env, info[0], "conv2dBackwardWeight");
    const ConvGeom g = readGeom(d);
    const float* x = reinterpret_cast<const float*>(d.ptr());
    int64_t xs[4];
    for (auto& v : xs) v = d.i64();
    const float* go = reinterpret_cast<const float*>(d.ptr());
    float* out = reinterpret_cast<float*>(d.ptr());
    const int64_t L = static_cast<int64_t>(g.Ho) * g.Wo;
    const int64_t ckk = static_cast<int64_t>(g.C) * g.kh * g.kw;
    const int64_t og = g.O / g.groups, cgkk = ckk / g.groups;
    if (og * cgkk == 0) return env.Undefined();
    if (static_cast<int64_t>(g.N) * L == 0) {
      check(env, cudaMemsetAsync(out, 0, g.O * cgkk * sizeof(float), stream_), "cudaMemsetAsync");
      return env.Undefined();
    }
    Scratch col(this, env, static_cast<size_t>(g.N * ckk * L * sizeof(float)));
    checkKernel(env,
                launchIm2col(stream_, x, xs, g.N, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.Ho,
                             g.Wo, col.f()),
                "conv2dBackwardWeight (im2col)");
    for (int grp = 0; grp < g.groups; ++grp) {
      for (int n = 0; n < g.N; ++n) {
        gemm(env, "conv2dBackwardWeight (gemm)", false, true, og, cgkk, L, go + n * g.O * L + grp * og * L, L, 0,
             col.f() + n * ckk * L + grp * cgkk * L, L, 0, out + grp * og * cgkk, cgkk, 0, 1, n == 0 ? 0.f : 1.f);
      }
    }
    return env.Undefined();
  }

  // maxPool2d: [N, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, Ho, Wo, xPtr, xs0..3, outPtr, indicesPtr (0: none)]
  Napi::Value MaxPool2d(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    Desc d(env, info[0], "maxPool2d");
    int v[14];
    for (int& f : v) f = d.i32();
    const float* x = reinterpret_cast<const float*>(d.ptr());
    int64_t xs[4];
    for (auto& s : xs) s = d.i64();
    float* out = reinterpret_cast<float*>(d.ptr());
    int32_t* indices = reinterpret_cast<int32_t*>(d.ptr());
    checkKernel(env,
                launchMaxPool2d(stream_, x, xs, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11],
                                v[12], v[13], out, indices),
                "maxPool2d");
    return env.Undefined();
  }

  // softmax: [xPtr, outPtr, outer, len, inner, log]
  Napi::Value Softmax(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    Desc d(env, info[0], "softmax");
    const float* x = reinterpret_cast<const float*>(d.ptr());
    float* out = reinterpret_cast<float*>(d.ptr());
    const int64_t outer = d.i64(), len = d.i64(), inner = d.i64();
    const int log = d.i32();
    if (outer * len * inner > 0) {
      checkKernel(env, launchSoftmax(stream_, x, out, outer, len, inner, log), log ? "logSoftmax" : "softmax");
    }
    return env.Undefined();
  }

  // layerNorm: [xPtr, wPtr, bPtr, outPtr, meanPtr, rstdPtr, rows, n, eps]
  Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    Desc d(env, info[0], "layerNorm");
    const float* x = reinterpret_cast<const float*>(d.ptr());
    const float* w = reinterpret_cast<const float*>(d.ptr());
    const float* b = reinterpret_cast<const float*>(d.ptr());
    float* out = reinterpret_cast<float*>(d.ptr());
    float* mean = reinterpret_cast<float*>(d.ptr());
    float* rstd = reinterpret_cast<float*>(d.ptr());
    const int64_t rows = d.i64(), n = d.i64();
    const float eps = static_cast<float>(d.num());
    if (rows > 0 && n > 0) checkKernel(env, launchLayerNorm(stream_, x, w, b, out, mean, rstd, rows, n, eps), "layerNorm");
    return env.Undefined();
  }

  // adam: [p, g, m, v, n, lr, beta1, beta2, eps, wd, decoupled, maximize, bc1, bc2sqrt]
  Napi::Value Adam(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    Desc d(env, info[0], "adamStep");
    float* p = reinterpret_cast<float*>(d.ptr());
    const float* g = reinterpret_cast<const float*>(d.ptr());
    float* m = reinterpret_cast<float*>(d.ptr());
    float* v = reinterpret_cast<float*>(d.ptr());
    const int64_t n = d.i64();
    float f[5];
    for (float& x : f) x = static_cast<float>(d.num());
    const int decoupled = d.i32(), maximize = d.i32();
    const float bc1 = static_cast<float>(d.num()), bc2sqrt = static_cast<float>(d.num());
    if (n > 0) {
      checkKernel(env, launchAdam(stream_, p, g, m, v, n, f[0], f[1], f[2], f[3], f[4], decoupled, maximize, bc1, bc2sqrt),
                  "adamStep");
    }
    return env.Undefined();
  }

  // sgd: [p, g, buf (0: none), n, lr, momentum, dampening, wd, nesterov, maximize, firstStep]
  Napi::Value Sgd(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    alive(env);
    Desc d(env, info[0], "sgdStep");
    float* p = reinterpret_cast<float*>(d.ptr());
    const float* g = reinterpret_cast<const float*>(d.ptr());
    float* buf = reinterpret_cast<float*>(d.ptr());
    const int64_t n = d.i64();
    float f[4];
    for (float& x : f) x = static_cast<float>(d.num());
    const int nesterov = d.i32(), maximize = d.i32(), firstStep = d.i32();
    if (n > 0) {
      checkKernel(env, launchSgd(stream_, p, g, buf, n, f[0], f[1], f[2], f[3], nesterov, maximize, firstStep),
                  "sgdStep");
    }
    return env.Undefined();
  }

  int device_ = 0;
  cudaStream_t stream_ = nullptr;
  CachingAllocator allocator_;
  Cublas cublas_;
  std::string cublasNote_;
  std::string deviceName_;
  std::string lastKernel_ = "(none)";
  int smCount_ = 1, major_ = 0, minor_ = 0;
  size_t totalMemory_ = 0;
  bool allowTf32_ = false;
  bool destroyed_ = false;
};

// probe(): { count, error, errorName, errorString, driverVersion, runtimeVersion }. Never throws.
Napi::Value Probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  o.Set("count", err == cudaSuccess ? count : 0);
  o.Set("error", static_cast<int>(err));
  o.Set("errorName", cudaGetErrorName(err));
  o.Set("errorString", cudaGetErrorString(err));
  cudaGetLastError();
  int driver = 0, runtime = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  cudaGetLastError();
  o.Set("driverVersion", driver);
  o.Set("runtimeVersion", runtime);
  return o;
}

Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  if (info[0].IsFunction()) {
    if (gErrorClass == nullptr) gErrorClass = new Napi::FunctionReference();
    *gErrorClass = Napi::Persistent(info[0].As<Napi::Function>());
  }
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("probe", Napi::Function::New(env, Probe, "probe"));
  exports.Set("setErrorClass", Napi::Function::New(env, SetErrorClass, "setErrorClass"));
  exports.Set("Context", Context::Define(env));
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  return exports;
}

}  // namespace kiln

static Napi::Object InitKilnCuda(Napi::Env env, Napi::Object exports) { return kiln::Init(env, exports); }

NODE_API_MODULE(kiln_cuda, InitKilnCuda)
