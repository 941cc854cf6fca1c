#include "allocator.h"

namespace kiln {

namespace {
constexpr size_t kMinBlock = 512;
constexpr size_t kSmallSize = 1 << 20;
constexpr size_t kLargeRound = 2 << 20;
}  // namespace

size_t CachingAllocator::roundSize(size_t bytes) {
  if (bytes == 0) bytes = 1;
  if (bytes < kSmallSize) return (bytes + kMinBlock - 1) / kMinBlock * kMinBlock;
  return (bytes + kLargeRound - 1) / kLargeRound * kLargeRound;
}

cudaError_t CachingAllocator::allocate(size_t bytes, void** out) {
  const size_t size = roundSize(bytes);
  // Small blocks reuse their exact bin; large ones accept a cached block up to 1/8 larger.
  const size_t limit = size < kSmallSize ? size : size + size / 8;
  auto it = cached_.lower_bound(size);
  if (it != cached_.end() && it->first <= limit) {
    void* ptr = it->second;
    const size_t blockSize = it->first;
    cached_.erase(it);
    stats_.bytesCached -= blockSize;
    live_.emplace(ptr, blockSize);
    stats_.bytesInUse += blockSize;
    stats_.buffers += 1;
    stats_.cacheHits += 1;
    if (stats_.bytesInUse > stats_.peakBytesInUse) stats_.peakBytesInUse = stats_.bytesInUse;
    *out = ptr;
    return cudaSuccess;
  }
  void* ptr = nullptr;
  cudaError_t err = cudaMalloc(&ptr, size);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the (non-sticky) allocation error
    emptyCache();
    stats_.cacheFlushes += 1;
    err = cudaMalloc(&ptr, size);
    if (err != cudaSuccess) {
      cudaGetLastError();
      return err;
    }
  }
  stats_.cudaMallocs += 1;
  stats_.bytesReserved += size;
  live_.emplace(ptr, size);
  stats_.bytesInUse += size;
  stats_.buffers += 1;
  if (stats_.bytesInUse > stats_.peakBytesInUse) stats_.peakBytesInUse = stats_.bytesInUse;
  *out = ptr;
  return cudaSuccess;
}

bool CachingAllocator::release(void* ptr) {
  auto it = live_.find(ptr);
  if (it == live_.end()) return false;
  const size_t size = it->second;
  live_.erase(it);
  stats_.bytesInUse -= size;
  stats_.buffers -= 1;
  cached_.emplace(size, ptr);
  stats_.bytesCached += size;
  return true;
}

cudaError_t CachingAllocator::emptyCache() {
  cudaError_t first = cudaSuccess;
  for (auto& entry : cached_) {
    const cudaError_t err = cudaFree(entry.second);
    if (err != cudaSuccess && first == cudaSuccess) first = err;
    stats_.bytesReserved -= entry.first;
  }
  cached_.clear();
  stats_.bytesCached = 0;
  return first;
}

void CachingAllocator::releaseAll() {
  emptyCache();
  for (auto& entry : live_) {
    cudaFree(entry.first);
    stats_.bytesReserved -= entry.second;
  }
  live_.clear();
  stats_.bytesInUse = 0;
  stats_.buffers = 0;
}

}  // namespace kiln
