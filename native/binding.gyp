{
  "targets": [
    {
      "target_name": "onnxfleet",
      "sources": ["<!@(node list-sources.mjs)"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "src"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-fopenmp", "-O3", "-fno-trapping-math", "-Wall", "-Wno-unused-parameter", "-Wno-sign-compare"],
      "ldflags": ["-fopenmp"],
      "libraries": ["-ldnnl", "-lgomp"],
      "conditions": [
        ["target_arch=='x64'", { "cflags_cc": ["-march=x86-64-v3", "-mtune=znver3"] }],
        ["'<!(node detect-libs.mjs any)'=='1'", {
          "defines": ["<!@(node detect-libs.mjs defines)"],
          "cflags_cc": ["<!@(node detect-libs.mjs cflags)"],
          "libraries": ["<!@(node detect-libs.mjs libs)"]
        }],
        ["'<!(echo $ONNXFLEET_ASAN)'=='1'", {
          "cflags_cc": ["-fsanitize=address", "-fno-omit-frame-pointer", "-O1", "-g"],
          "ldflags": ["-fsanitize=address"]
        }]
      ]
    }
  ]
}
