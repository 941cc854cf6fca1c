# Lives in native/ rather than the package root on purpose: pnpm and npm run `node-gyp rebuild`
# at install time for any package with a root binding.gyp, and this addon must never build (or
# fail) during install. scripts/build-native.mjs builds it and copies it to build/Release/.
{
  "variables": {
    "cuda_home%": "<!(node ../scripts/cuda-home.cjs)"
  },
  "targets": [
    {
      "target_name": "kiln_cuda",
      "sources": [
        "addon.cc",
        "allocator.cc",
        "cublas_loader.cc",
        "elementwise.cu",
        "reduce.cu",
        "index.cu",
        "gemm.cu"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<(cuda_home)/include", "."],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions"],
      "cflags_cc!": ["-std=gnu++17", "-std=gnu++20", "-std=c++20", "-fno-exceptions"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "libraries": ["-L<(cuda_home)/lib64", "-lcudart_static", "-lrt", "-lpthread", "-ldl"],
      "rules": [
        {
          "rule_name": "nvcc",
          "extension": "cu",
          "inputs": ["<(RULE_INPUT_PATH)"],
          "outputs": ["<(INTERMEDIATE_DIR)/<(RULE_INPUT_ROOT).o"],
          "process_outputs_as_sources": 1,
          "message": "nvcc <(RULE_INPUT_PATH)",
          "action": [
            "sh",
            "-c",
            "mkdir -p <(INTERMEDIATE_DIR) && <(cuda_home)/bin/nvcc -std=c++17 -O3 -Xcompiler -fPIC -gencode arch=compute_75,code=sm_75 -gencode 'arch=compute_90,code=[sm_90,compute_90]' -c <(RULE_INPUT_PATH) -o <(INTERMEDIATE_DIR)/<(RULE_INPUT_ROOT).o"
          ]
        }
      ]
    }
  ]
}
