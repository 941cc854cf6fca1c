// A caching device allocator in the spirit of PyTorch's: sizes are rounded into bins, freed blocks
// go back to a per-size cache instead of cudaFree, and a failed cudaMalloc releases the cache and
// retries once. All work runs on one stream, so a block freed by the host can be reused by the
// next kernel on that stream without any event bookkeeping.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include <cuda_runtime_api.h>

namespace kiln {

struct AllocatorStats {
  size_t bytesInUse = 0;      // rounded bytes of live blocks
  size_t buffers = 0;         // live blocks
  size_t bytesReserved = 0;   // bytes obtained from cudaMalloc (live + cached)
  size_t bytesCached = 0;     // bytes of cached free blocks
  size_t peakBytesInUse = 0;
  uint64_t cacheHits = 0;
  uint64_t cudaMallocs = 0;
  uint64_t cacheFlushes = 0;
};

class CachingAllocator {
 public:
  // Rounds a request to its bin: 512-byte multiples below 1 MiB, 2 MiB multiples above.
  static size_t roundSize(size_t bytes);

  // Returns cudaSuccess and a pointer, or the cudaMalloc error after one flush-and-retry.
  cudaError_t allocate(size_t bytes, void** out);
  // Returns a block to the cache. Unknown pointers are ignored and reported as false.
  bool release(void* ptr);
  // Frees every cached block back to the device.
  cudaError_t emptyCache();
  // Frees everything, live blocks included (context teardown).
  void releaseAll();

  const AllocatorStats& stats() const { return stats_; }

 private:
  std::unordered_map<void*, size_t> live_;
  std::multimap<size_t, void*> cached_;
  AllocatorStats stats_;
};

}  // namespace kiln
