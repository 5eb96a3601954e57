// Single-precision GEMM on the tfjs-wasm heap through OpenBLAS (docs/toolchain.md, Native matrix products).
// The wasm backend keeps every tensor in one WebAssembly memory; this addon receives a view of that memory and byte
// offsets, and calls cblas_sgemm on the floats in place, so a product costs no copy. OpenBLAS is loaded with dlopen
// at the first call (no link-time dependency: the addon builds with g++ and Node's headers alone) and pinned to one
// thread, so two data-parallel replicas use one core each. Exports:
//   info() → "OpenBLAS <config>" or throws (library not found)
//   gemm(heap: Uint8Array, a, b, c: byte offsets, M, N, K, transA, transB, beta)
//     C[M,N] = op(A)·op(B) + beta·C, row-major; op(A) is M×K, op(B) is K×N; A stored [M,K] or, with transA, [K,M].
//   attnFwd(heap, q, k, v, mask, rng, o, st, B, H, T, dh, sB, sH, sT, maskB, scale)
//   attnBwd(heap, q, k, v, o, st, dO, mask, rng, dq, dk, dv, B, H, T, dh, sB, sH, sT, maskB, scale)
//     causal attention with the semantics of the SIMD kernels (src/model/simd/kernels.wat attn_fwd / attn_bwd, the
//     same arguments but no scratch), in query blocks of 64 rows whose score tiles are sgemm products over the keys
//     up to the block's end only (keys after a query are never read); softmax per row in vectorised C.
//   decodeAttn(heap, qkv, kT, vc, mask, starts, out, B, H, cap, dh, pos, scale)
//     one decode step against the KV caches, as kernels.wat decode_attn (writes this step's k and v in place).
//   adamw(params, grads, m, v, decayMask, scale, lr, beta1, beta2, eps, decay, bc1, bc2)
//     the AdamW update loop of src/model/optim.ts on its Float32Arrays, bitwise the same result (float64, no FMA).
#include <dlfcn.h>
#include <node_api.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace {

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
typedef void (*set_threads_fn)(int);
typedef char* (*get_config_fn)();

sgemm_fn sgemm = nullptr;
const int RowMajor = 101, NoTrans = 111, Trans = 112;
std::string config;
std::string failure;

std::mutex loadLock;

bool load() {
  std::lock_guard<std::mutex> guard(loadLock);  // the main thread and data-parallel workers may load at once
  if (sgemm) return true;
  if (!failure.empty()) return false;
  const char* env = std::getenv("OPENBLAS_LIBRARY");
  const char* candidates[] = {env, "libopenblas.so.0", "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
                              "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"};
  // OpenBLAS starts its thread pool when it loads, sized from OPENBLAS_NUM_THREADS (else one thread per core), and
  // openblas_set_num_threads(1) afterwards does not keep those threads from waking between calls: measured, they took
  // time from the second data-parallel replica. So the variable is 1 while the library loads, then restored.
  const char* prior = std::getenv("OPENBLAS_NUM_THREADS");
  const std::string saved = prior ? prior : "";
  setenv("OPENBLAS_NUM_THREADS", "1", 1);
  for (const char* name : candidates) {
    if (!name || !*name) continue;
    void* h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!h) continue;
    auto f = reinterpret_cast<sgemm_fn>(dlsym(h, "cblas_sgemm"));
    auto threads = reinterpret_cast<set_threads_fn>(dlsym(h, "openblas_set_num_threads"));
    auto conf = reinterpret_cast<get_config_fn>(dlsym(h, "openblas_get_config"));
    if (!f || !threads) continue;  // only OpenBLAS: a reference BLAS would be slower than the wasm path
    threads(1);
    sgemm = f;
    config = std::string(conf ? conf() : "OpenBLAS") + " (" + name + ")";
    break;
  }
  if (prior) setenv("OPENBLAS_NUM_THREADS", saved.c_str(), 1);
  else unsetenv("OPENBLAS_NUM_THREADS");
  if (sgemm) return true;
  failure = "no OpenBLAS found (libopenblas.so.0; Debian: apt-get install libopenblas0-pthread; or set OPENBLAS_LIBRARY to its path)";
  return false;
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value out;
  if (!load()) {
    napi_throw_error(env, nullptr, failure.c_str());
    return nullptr;
  }
  napi_create_string_utf8(env, config.c_str(), config.size(), &out);
  return out;
}


// The arguments of an export: exactly `want` of them, OpenBLAS loaded, and the first a Uint8Array view of the wasm
// heap (its data pointer and length out). On failure a JS exception is pending and false is returned.
bool heapCall(napi_env env, napi_callback_info cbinfo, size_t want, napi_value* argv, const char* usage, uint8_t*& heap, size_t& length) {
  size_t argc = want;
  napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr);
  if (argc != want) {
    napi_throw_type_error(env, nullptr, usage);
    return false;
  }
  if (!load()) {
    napi_throw_error(env, nullptr, failure.c_str());
    return false;
  }
  napi_typedarray_type type;
  void* data;
  napi_value ab;
  size_t byteOffset;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &ab, &byteOffset) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, nullptr, "the first argument must be a Uint8Array over the wasm memory");
    return false;
  }
  heap = static_cast<uint8_t*>(data);
  return true;
}

napi_value Gemm(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[10];
  uint8_t* base;
  size_t length;
  if (!heapCall(env, cbinfo, 10, argv, "gemm(heap, a, b, c, M, N, K, transA, transB, beta): 10 arguments", base, length)) return nullptr;
  int64_t off[3];
  int32_t dims[5];
  for (int i = 0; i < 3; i++) napi_get_value_int64(env, argv[1 + i], &off[i]);
  for (int i = 0; i < 5; i++) napi_get_value_int32(env, argv[4 + i], &dims[i]);
  double beta;
  napi_get_value_double(env, argv[9], &beta);
  const int M = dims[0], N = dims[1], K = dims[2], ta = dims[3], tb = dims[4];
  const uint64_t bytesA = 4ull * M * K, bytesB = 4ull * K * N, bytesC = 4ull * M * N;
  if (M < 0 || N < 0 || K < 0 || off[0] < 0 || off[1] < 0 || off[2] < 0 || (off[0] | off[1] | off[2]) % 4 != 0 ||
      off[0] + bytesA > length || off[1] + bytesB > length || off[2] + bytesC > length) {
    napi_throw_range_error(env, nullptr, "gemm: an operand lies outside the heap or is not float-aligned");
    return nullptr;
  }
  if (M == 0 || N == 0) return nullptr;
  auto* A = reinterpret_cast<const float*>(base + off[0]);
  auto* B = reinterpret_cast<const float*>(base + off[1]);
  auto* C = reinterpret_cast<float*>(base + off[2]);
  sgemm(RowMajor, ta ? Trans : NoTrans, tb ? Trans : NoTrans, M, N, K, 1.0f, A, ta ? M : K, B, tb ? K : N, static_cast<float>(beta), C, N);
  return nullptr;
}

// ---- causal attention through sgemm -----------------------------------------------------------------------------

#ifndef ATTN_BLOCK
#define ATTN_BLOCK 64
#endif
const int BLOCK = ATTN_BLOCK;

// e^(x − m) for i < n (Cephes expf as in kernels.wat $exp4: clamp to [−87, 88], n = round(x·log2 e), degree-6
// polynomial, 2^n from the exponent bits); multiplied by f; returns Σ e^(x − m). Compiled for AVX-512, AVX2 and the
// baseline, picked at load by the CPU (target_clones), so the addon runs wherever it was built. The reductions are
// vectorised by `omp simd` (built with -fopenmp-simd: the pragmas only, no OpenMP runtime): lane-wise partial sums.
__attribute__((target_clones("avx512f", "avx2", "default"))) float expRow(float* x, int n, float m, float f) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int i = 0; i < n; i++) {
    float v = x[i] - m;
    v = v < -87.f ? -87.f : v;
    v = v > 88.f ? 88.f : v;
    // round to nearest (ties to even, as f32x4.nearest) without a branch: adding 1.5·2^23 drops the fraction
    const float kn = (v * 1.44269504088896341f + 12582912.f) - 12582912.f;
    const int k = static_cast<int>(kn);
    float r = v - kn * 0.693359375f;
    r = r - kn * -2.12194440e-4f;
    float y = 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * r * r + r + 1.f;
    const float e = y * __builtin_bit_cast(float, (k + 127) << 23);
    sum += e;
    x[i] = e * f;
  }
  return sum;
}

// y[i] = a·y[i] + m[i] for i < n; returns the largest y[i]
__attribute__((target_clones("avx512f", "avx2", "default"))) float scaleAddMax(float* y, const float* m, float a, int n) {
  float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
  for (int i = 0; i < n; i++) {
    const float v = a * y[i] + m[i];
    y[i] = v;
    mx = v > mx ? v : mx;
  }
  return mx;
}

// x[i] *= f for i < n
__attribute__((target_clones("avx512f", "avx2", "default"))) void scaleRow(float* x, float f, int n) {
  for (int i = 0; i < n; i++) x[i] *= f;
}

// ds[i] = p[i]·(dp[i] − D)
__attribute__((target_clones("avx512f", "avx2", "default"))) void softmaxGrad(float* ds, const float* p, float D, int n) {
  for (int i = 0; i < n; i++) ds[i] = p[i] * (ds[i] - D);
}

struct Geo {
  int B, H, T, dh, sB, sH, sT, maskB;
  float scale;
};

// rows [s, e) of batch row b are real (the rest get zeros); from rng pairs, or the whole sequence
void rowRange(const uint8_t* heap, int64_t rng, int b, int T, int& s, int& e) {
  s = 0;
  e = T;
  if (rng) {
    const int32_t* r = reinterpret_cast<const int32_t*>(heap + rng) + 2 * b;
    s = std::max(0, std::min(T, r[0]));
    e = std::max(s, std::min(T, r[1]));
  }
}

void zeroRows(float* x, int rows, int dh, int ld) {
  for (int t = 0; t < rows; t++) std::memset(x + static_cast<int64_t>(t) * ld, 0, 4 * dh);
}

thread_local std::vector<float> scratchS, scratchP;

// P (rows i0..i1 of the head, keys 0..i1, relative to s) = softmax of scale·Q Kᵀ + mask, causal, from the saved
// (max, 1/sum) when st is read (backward); else (forward) the unnormalised e^(s − max), with (max, 1/sum) stored:
// the forward scales its output rows by 1/sum instead (dh floats a row, not i + 1).
void probs(const Geo& g, const float* Q, const float* K, const float* maskRow0, int T, float* S, int i0, int i1, float* st, bool saved) {
  const int n = i1, R = i1 - i0;
  sgemm(RowMajor, NoTrans, Trans, R, n, g.dh, 1.0f, Q + static_cast<int64_t>(i0) * g.sT, g.sT, K, g.sT, 0.0f, S, n);
  // Whole rows of the tile (n keys, a multiple of 16 but in the last block: vector loops without scalar tails); the
  // keys after the query are blocked by the mask, so they add e^−87 ≈ 1.6e−38 each to the sum (as a masked key does
  // in the SIMD kernel) and are then set to exactly 0.
  for (int r = 0; r < R; r++) {
    const int i = i0 + r, len = i + 1;
    float* row = S + static_cast<int64_t>(r) * n;
    const float m = scaleAddMax(row, maskRow0 + static_cast<int64_t>(i) * T, g.scale, n);
    float* sr = st + 2 * i;
    if (saved) {
      expRow(row, n, sr[0], sr[1]);
    } else {
      sr[0] = m;
      sr[1] = 1.0f / expRow(row, n, m, 1.0f);
    }
    std::memset(row + len, 0, 4 * (n - len));
  }
}

bool args(napi_env env, napi_callback_info cbinfo, size_t want, int64_t* off, int nOff, Geo& g, uint8_t*& heap, size_t& length) {
  napi_value argv[24];
  if (!heapCall(env, cbinfo, want, argv, "attention: wrong number of arguments", heap, length)) return false;
  for (int i = 0; i < nOff; i++) napi_get_value_int64(env, argv[1 + i], &off[i]);
  int32_t d[8];
  for (int i = 0; i < 8; i++) napi_get_value_int32(env, argv[1 + nOff + i], &d[i]);
  double scale;
  napi_get_value_double(env, argv[1 + nOff + 8], &scale);
  g = {d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], static_cast<float>(scale)};
  for (int i = 0; i < nOff; i++) {
    if (off[i] < 0 || off[i] % 4 != 0 || static_cast<uint64_t>(off[i]) >= length) {
      napi_throw_range_error(env, nullptr, "attention: an operand lies outside the heap or is not float-aligned");
      return false;
    }
  }
  return true;
}

// Calls f(b, h, s, e, base, mb) for every batch row b and head h: [s, e) the row's real tokens, base the float offset
// of the head's first row, mb the mask at (query s, key s) of the row's mask.
template <class F>
void eachHead(const Geo& g, const uint8_t* heap, int64_t rng, const float* mask, F f) {
  for (int b = 0; b < g.B; b++) {
    int s, e;
    rowRange(heap, rng, b, g.T, s, e);
    const float* mb = mask + static_cast<int64_t>(g.maskB * b) * g.T * g.T + static_cast<int64_t>(s) * g.T + s;
    for (int h = 0; h < g.H; h++) f(b, h, s, e, static_cast<int64_t>(b) * g.sB + static_cast<int64_t>(h) * g.sH, mb);
  }
}

napi_value AttnFwd(napi_env env, napi_callback_info cbinfo) {
  int64_t off[7];  // q, k, v, mask, rng, o, st
  Geo g;
  uint8_t* heap;
  size_t length;
  if (!args(env, cbinfo, 17, off, 7, g, heap, length)) return nullptr;
  auto F = [&](int i) { return reinterpret_cast<float*>(heap + off[i]); };
  eachHead(g, heap, off[4], F(3), [&](int b, int h, int s, int e, int64_t base, const float* mb) {
    const int n = e - s;
    float* o = F(5) + base;
    float* st = F(6) + 2 * (static_cast<int64_t>(b * g.H + h) * g.T);
    zeroRows(o, s, g.dh, g.sT);
    zeroRows(o + static_cast<int64_t>(e) * g.sT, g.T - e, g.dh, g.sT);
    std::memset(st, 0, 8 * s);
    std::memset(st + 2 * e, 0, 8 * (g.T - e));
    if (n == 0) return;
    const int64_t at = base + static_cast<int64_t>(s) * g.sT;
    scratchS.resize(static_cast<size_t>(BLOCK) * n);
    for (int i0 = 0; i0 < n; i0 += BLOCK) {
      const int i1 = std::min(n, i0 + BLOCK);
      probs(g, F(0) + at, F(1) + at, mb, g.T, scratchS.data(), i0, i1, st + 2 * s, false);
      float* ob = o + static_cast<int64_t>(s + i0) * g.sT;
      sgemm(RowMajor, NoTrans, NoTrans, i1 - i0, g.dh, i1, 1.0f, scratchS.data(), i1, F(2) + at, g.sT, 0.0f, ob, g.sT);
      for (int r = 0; r < i1 - i0; r++) scaleRow(ob + static_cast<int64_t>(r) * g.sT, st[2 * (s + i0 + r) + 1], g.dh);
    }
  });
  return nullptr;
}

napi_value AttnBwd(napi_env env, napi_callback_info cbinfo) {
  int64_t off[11];  // q, k, v, o, st, dO, mask, rng, dq, dk, dv
  Geo g;
  uint8_t* heap;
  size_t length;
  if (!args(env, cbinfo, 21, off, 11, g, heap, length)) return nullptr;
  auto F = [&](int i) { return reinterpret_cast<float*>(heap + off[i]); };
  eachHead(g, heap, off[7], F(6), [&](int b, int h, int s, int e, int64_t base, const float* mb) {
    const int n = e - s;
    float* dq = F(8) + base;
    float* dk = F(9) + base;
    float* dv = F(10) + base;
    zeroRows(dq, g.T, g.dh, g.sT);
    zeroRows(dk, g.T, g.dh, g.sT);
    zeroRows(dv, g.T, g.dh, g.sT);
    if (n == 0) return;
    const int64_t at = base + static_cast<int64_t>(s) * g.sT;
    const float *Q = F(0) + at, *K = F(1) + at, *V = F(2) + at, *O = F(3) + at, *dO = F(5) + at;
    float* st = F(4) + 2 * (static_cast<int64_t>(b * g.H + h) * g.T + s);
    scratchS.resize(static_cast<size_t>(BLOCK) * n);
    scratchP.resize(static_cast<size_t>(BLOCK) * n);
    for (int i0 = 0; i0 < n; i0 += BLOCK) {
      const int i1 = std::min(n, i0 + BLOCK), R = i1 - i0;
      float* P = scratchP.data();
      float* dS = scratchS.data();
      probs(g, Q, K, mb, g.T, P, i0, i1, st, true);
      // dP = dO Vᵀ, then dS = P ⊙ (dP − dO·O) row by row
      sgemm(RowMajor, NoTrans, Trans, R, i1, g.dh, 1.0f, dO + static_cast<int64_t>(i0) * g.sT, g.sT, V, g.sT, 0.0f, dS, i1);
      for (int r = 0; r < R; r++) {
        const float* go = dO + static_cast<int64_t>(i0 + r) * g.sT;
        const float* oo = O + static_cast<int64_t>(i0 + r) * g.sT;
        float D = 0;
        for (int d = 0; d < g.dh; d++) D += go[d] * oo[d];
        softmaxGrad(dS + static_cast<int64_t>(r) * i1, P + static_cast<int64_t>(r) * i1, D, i1);
      }
      // dQ = scale·dS K; dK += scale·dSᵀ Q; dV += Pᵀ dO
      sgemm(RowMajor, NoTrans, NoTrans, R, g.dh, i1, g.scale, dS, i1, K, g.sT, 0.0f, dq + static_cast<int64_t>(s + i0) * g.sT, g.sT);
      sgemm(RowMajor, Trans, NoTrans, i1, g.dh, R, g.scale, dS, i1, Q + static_cast<int64_t>(i0) * g.sT, g.sT, 1.0f, dk + static_cast<int64_t>(s) * g.sT, g.sT);
      sgemm(RowMajor, Trans, NoTrans, i1, g.dh, R, 1.0f, P, i1, dO + static_cast<int64_t>(i0) * g.sT, g.sT, 1.0f, dv + static_cast<int64_t>(s) * g.sT, g.sT);
    }
  });
  return nullptr;
}

// ---- one decode step of attention (semantics of kernels.wat decode_attn, without its scratch argument) -----------

// sc[j] = Σ_d q[d]·kT[d·cap + j] for j < n: 16 keys at a time with the sums held in registers over d
__attribute__((target_clones("avx512f", "avx2", "default"))) void keyScores(float* sc, const float* kT, int cap, const float* q, int dh, int n) {
  int j = 0;
  for (; j + 16 <= n; j += 16) {
    float acc[16] = {0};
    for (int d = 0; d < dh; d++) {
      const float x = q[d];
      const float* r = kT + static_cast<int64_t>(d) * cap + j;
      for (int t = 0; t < 16; t++) acc[t] += x * r[t];
    }
    for (int t = 0; t < 16; t++) sc[j + t] = acc[t];
  }
  for (; j < n; j++) {
    float a = 0;
    for (int d = 0; d < dh; d++) a += q[d] * kT[static_cast<int64_t>(d) * cap + j];
    sc[j] = a;
  }
}

// out[d] = f·Σ_j p[j]·V[j·dh + d] for d < dh
__attribute__((target_clones("avx512f", "avx2", "default"))) void mixRows(float* out, const float* p, const float* V, int n, int dh, float f) {
  float acc[256];
  for (int d = 0; d < dh; d++) acc[d] = 0;
  for (int j = 0; j < n; j++) {
    const float w = p[j];
    const float* v = V + static_cast<int64_t>(j) * dh;
    for (int d = 0; d < dh; d++) acc[d] += w * v[d];
  }
  for (int d = 0; d < dh; d++) out[d] = f * acc[d];
}

thread_local std::vector<float> scratchD;

napi_value DecodeAttn(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[13];
  uint8_t* heap;
  size_t length;
  if (!heapCall(env, cbinfo, 13, argv, "decodeAttn(heap, qkv, kT, vc, mask, starts, out, B, H, cap, dh, pos, scale): 13 arguments", heap, length)) return nullptr;
  int64_t off[6];  // qkv, kT, vc, mask, starts, out
  for (int i = 0; i < 6; i++) napi_get_value_int64(env, argv[1 + i], &off[i]);
  int32_t B, H, cap, dh, pos;
  napi_get_value_int32(env, argv[7], &B);
  napi_get_value_int32(env, argv[8], &H);
  napi_get_value_int32(env, argv[9], &cap);
  napi_get_value_int32(env, argv[10], &dh);
  napi_get_value_int32(env, argv[11], &pos);
  double scaleD;
  napi_get_value_double(env, argv[12], &scaleD);
  const float scale = static_cast<float>(scaleD);
  const int64_t D = static_cast<int64_t>(H) * dh;
  const uint64_t need[6] = {4ull * B * 3 * D, 4ull * B * D * cap, 4ull * B * D * cap, 4ull * B * cap, off[4] ? 4ull * B : 0, 4ull * B * D};
  for (int i = 0; i < 6; i++) {
    if (off[i] < 0 || off[i] % 4 != 0 || off[i] + need[i] > length) {
      napi_throw_range_error(env, nullptr, "decodeAttn: an operand lies outside the heap or is not float-aligned");
      return nullptr;
    }
  }
  if (pos < 0 || pos >= cap || dh > 256) {
    napi_throw_range_error(env, nullptr, "decodeAttn: pos must be in [0, cap) and dh ≤ 256");
    return nullptr;
  }
  const float* qkv = reinterpret_cast<const float*>(heap + off[0]);
  float* kT = reinterpret_cast<float*>(heap + off[1]);
  float* vc = reinterpret_cast<float*>(heap + off[2]);
  const float* mask = reinterpret_cast<const float*>(heap + off[3]);
  const int32_t* starts = off[4] ? reinterpret_cast<const int32_t*>(heap + off[4]) : nullptr;
  float* out = reinterpret_cast<float*>(heap + off[5]);
  scratchD.resize(cap + 16);
  float* sc = scratchD.data();
  for (int b = 0; b < B; b++) {
    const int j0 = starts ? std::max(0, std::min(pos, starts[b])) : 0;
    const int n = pos + 1 - j0;
    for (int h = 0; h < H; h++) {
      const float* q = qkv + b * 3 * D + h * dh;
      float* kb = kT + (static_cast<int64_t>(b) * H + h) * cap * dh;
      float* vb = vc + (static_cast<int64_t>(b) * H + h) * cap * dh;
      for (int d = 0; d < dh; d++) kb[static_cast<int64_t>(d) * cap + pos] = q[D + d];
      std::memcpy(vb + static_cast<int64_t>(pos) * dh, q + 2 * D, 4 * dh);
      keyScores(sc, kb + j0, cap, q, dh, n);
      const float m = scaleAddMax(sc, mask + static_cast<int64_t>(b) * cap + j0, scale, n);
      const float inv = 1.0f / expRow(sc, n, m, 1.0f);
      mixRows(out + b * D + h * dh, sc, vb + static_cast<int64_t>(j0) * dh, n, dh, inv);
    }
  }
  return nullptr;
}

// ---- AdamW (src/model/optim.ts): its update loop, operation for operation in float64 and without fused multiply-adds,
// so params, m and v come out bitwise as the JS loop leaves them (GCC 12 keeps this loop scalar: the decay select and
// the mixed float/double widths; still about half the JS loop's time).

#pragma GCC push_options
#pragma GCC optimize("fp-contract=off", "no-math-errno")
__attribute__((target_clones("avx512f", "avx2", "default"))) void adamwLoop(float* p, const float* gr, float* m, float* v, const uint8_t* dm, size_t n,
                                                                            double scale, double lr, double beta1, double beta2, double eps, double decay,
                                                                            double bc1, double bc2) {
  const double c1 = 1 - beta1, c2 = 1 - beta2;
  for (size_t i = 0; i < n; i++) {
    const double g = static_cast<double>(gr[i]) * scale;
    const double mi = beta1 * static_cast<double>(m[i]) + c1 * g;
    const double vi = beta2 * static_cast<double>(v[i]) + c2 * g * g;
    m[i] = static_cast<float>(mi);
    v[i] = static_cast<float>(vi);
    const double w0 = p[i];
    const double wd = w0 - decay * w0;
    const double w = dm[i] ? wd : w0;
    p[i] = static_cast<float>(w - (lr * (mi / bc1)) / (std::sqrt(vi / bc2) + eps));
  }
}
#pragma GCC pop_options

bool floats(napi_env env, napi_value x, napi_typedarray_type want, void*& data, size_t& n) {
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  return napi_get_typedarray_info(env, x, &type, &n, &data, &ab, &off) == napi_ok && type == want;
}

// adamw(params, grads, m, v: Float32Array; decayMask: Uint8Array; scale, lr, beta1, beta2, eps, decay, bc1, bc2)
napi_value Adamw(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[13];
  size_t argc = 13;
  napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr);
  void* d[5];
  size_t n[5];
  bool ok = argc == 13;
  for (int i = 0; ok && i < 5; i++) ok = floats(env, argv[i], i < 4 ? napi_float32_array : napi_uint8_array, d[i], n[i]) && n[i] == n[0];
  if (!ok) {
    napi_throw_type_error(env, nullptr, "adamw(params, grads, m, v: Float32Array, decayMask: Uint8Array of one length, scale, lr, beta1, beta2, eps, decay, bc1, bc2)");
    return nullptr;
  }
  double x[8];
  for (int i = 0; i < 8; i++) napi_get_value_double(env, argv[5 + i], &x[i]);
  adamwLoop(static_cast<float*>(d[0]), static_cast<const float*>(d[1]), static_cast<float*>(d[2]), static_cast<float*>(d[3]), static_cast<const uint8_t*>(d[4]),
            n[0], x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]);
  return nullptr;
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"attnFwd", nullptr, AttnFwd, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"attnBwd", nullptr, AttnBwd, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"decodeAttn", nullptr, DecodeAttn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamw", nullptr, Adamw, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, 6, props);
  return exports;
}
