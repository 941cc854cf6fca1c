// cuBLAS loaded with dlopen at run time, through hand-declared prototypes, so the addon builds
// and loads without cuBLAS headers or libraries and falls back to its own GEMM when absent.
#pragma once
#include <string>
#include <vector>

#include <cuda_runtime_api.h>

namespace kiln {

class Cublas {
 public:
  ~Cublas();
  // Tries each candidate (full paths first, then bare sonames) until one loads and exports every
  // symbol. Returns false and fills `diag` with what was tried otherwise.
  bool load(const std::vector<std::string>& candidates, std::string* diag);
  // Creates a handle bound to `stream`; false and a message when cuBLAS refuses.
  bool createHandle(cudaStream_t stream, std::string* diag);
  bool ready() const { return handle_ != nullptr; }
  const std::string& path() const { return path_; }
  int version() const { return version_; }
  // CUBLAS_DEFAULT_MATH (0) or CUBLAS_TF32_TENSOR_OP_MATH (3).
  int setTf32(bool allow);
  // Row-major C = op(A) * op(B) + beta * C, batched with element strides; returns the cuBLAS status.
  int gemm(bool transA, bool transB, int m, int n, int k, const float* A, int lda, long long strideA, const float* B,
           int ldb, long long strideB, float* C, int ldc, long long strideC, int batch, float beta);
  static const char* statusName(int status);

 private:
  using CreateFn = int (*)(void**);
  using DestroyFn = int (*)(void*);
  using SetStreamFn = int (*)(void*, cudaStream_t);
  using SetMathModeFn = int (*)(void*, int);
  using GetVersionFn = int (*)(void*, int*);
  using SgemmFn = int (*)(void*, int, int, int, int, int, const float*, const float*, int, const float*, int,
                          const float*, float*, int);
  using SgemmBatchedFn = int (*)(void*, int, int, int, int, int, const float*, const float*, int, long long,
                                 const float*, int, long long, const float*, float*, int, long long, int);

  void* lib_ = nullptr;
  void* handle_ = nullptr;
  std::string path_;
  int version_ = 0;
  CreateFn create_ = nullptr;
  DestroyFn destroy_ = nullptr;
  SetStreamFn setStream_ = nullptr;
  SetMathModeFn setMathMode_ = nullptr;
  GetVersionFn getVersion_ = nullptr;
  SgemmFn sgemm_ = nullptr;
  SgemmBatchedFn sgemmBatched_ = nullptr;
};

}  // namespace kiln
