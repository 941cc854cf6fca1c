#include "cublas_loader.h"

#include <dlfcn.h>

namespace kiln {

namespace {
constexpr int kOpN = 0;
constexpr int kOpT = 1;
constexpr int kDefaultMath = 0;
constexpr int kTf32TensorOpMath = 3;
}  // namespace

Cublas::~Cublas() {
  // NOTE: the handle and library stay alive until process exit; destroying a cuBLAS handle while
  // the process tears down the CUDA runtime can crash, and the OS reclaims both anyway.
}

bool Cublas::load(const std::vector<std::string>& candidates, std::string* diag) {
  std::string tried;
  for (const std::string& candidate : candidates) {
    void* lib = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* err = dlerror();
      // Only report candidates that exist but failed, to keep the message short.
      if (err != nullptr && std::string(err).find("No such file") == std::string::npos) {
        tried += "\n  " + candidate + ": " + err;
      }
      continue;
    }
    auto sym = [&](const char* name) { return dlsym(lib, name); };
    create_ = reinterpret_cast<CreateFn>(sym("cublasCreate_v2"));
    destroy_ = reinterpret_cast<DestroyFn>(sym("cublasDestroy_v2"));
    setStream_ = reinterpret_cast<SetStreamFn>(sym("cublasSetStream_v2"));
    setMathMode_ = reinterpret_cast<SetMathModeFn>(sym("cublasSetMathMode"));
    getVersion_ = reinterpret_cast<GetVersionFn>(sym("cublasGetVersion_v2"));
    sgemm_ = reinterpret_cast<SgemmFn>(sym("cublasSgemm_v2"));
    sgemmBatched_ = reinterpret_cast<SgemmBatchedFn>(sym("cublasSgemmStridedBatched"));
    if (create_ && destroy_ && setStream_ && setMathMode_ && sgemm_ && sgemmBatched_) {
      lib_ = lib;
      path_ = candidate;
      return true;
    }
    tried += "\n  " + candidate + ": missing cuBLAS symbols";
    dlclose(lib);
  }
  if (diag != nullptr) *diag = "no loadable libcublas among " + std::to_string(candidates.size()) + " candidates" + tried;
  return false;
}

bool Cublas::createHandle(cudaStream_t stream, std::string* diag) {
  if (lib_ == nullptr) return false;
  void* handle = nullptr;
  int status = create_(&handle);
  if (status != 0) {
    if (diag != nullptr) *diag = std::string("cublasCreate_v2 failed: ") + statusName(status);
    return false;
  }
  status = setStream_(handle, stream);
  if (status != 0) {
    if (diag != nullptr) *diag = std::string("cublasSetStream_v2 failed: ") + statusName(status);
    destroy_(handle);
    return false;
  }
  if (getVersion_ != nullptr) getVersion_(handle, &version_);
  handle_ = handle;
  setTf32(false);
  return true;
}

int Cublas::setTf32(bool allow) {
  if (handle_ == nullptr) return 0;
  return setMathMode_(handle_, allow ? kTf32TensorOpMath : kDefaultMath);
}

int Cublas::gemm(bool transA, bool transB, int m, int n, int k, const float* A, int lda, long long strideA,
                 const float* B, int ldb, long long strideB, float* C, int ldc, long long strideC, int batch,
                 float beta) {
  // Row-major C (m x n) is column-major C^T (n x m): C^T = op(B)^T * op(A)^T, so the operands swap.
  const float alpha = 1.f;
  const int opB = transB ? kOpT : kOpN;
  const int opA = transA ? kOpT : kOpN;
  if (batch == 1) return sgemm_(handle_, opB, opA, n, m, k, &alpha, B, ldb, A, lda, &beta, C, ldc);
  return sgemmBatched_(handle_, opB, opA, n, m, k, &alpha, B, ldb, strideB, A, lda, strideA, &beta, C, ldc, strideC,
                       batch);
}

const char* Cublas::statusName(int status) {
  switch (status) {
    case 0: return "CUBLAS_STATUS_SUCCESS";
    case 1: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case 3: return "CUBLAS_STATUS_ALLOC_FAILED";
    case 7: return "CUBLAS_STATUS_INVALID_VALUE";
    case 8: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case 11: return "CUBLAS_STATUS_MAPPING_ERROR";
    case 13: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case 14: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case 15: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case 16: return "CUBLAS_STATUS_LICENSE_ERROR";
    default: return "CUBLAS_STATUS_UNKNOWN";
  }
}

}  // namespace kiln
