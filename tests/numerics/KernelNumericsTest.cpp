//===- KernelNumericsTest.cpp - every kernel of kernels/ on the CPU -------===//
//
// Each kernel runs with the CPU target on fresh random data of ragged sizes
// (not multiples of the tiles) and is compared with an independent reference
// in plain C++ accumulating in double. Outputs start as NaN.
//
//===----------------------------------------------------------------------===//

#define CATCH_CONFIG_MAIN
#include "Harness.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <numeric>

using namespace tilec;
using namespace tilec::test;

namespace {
using Defines = std::vector<std::pair<std::string, std::string>>;

/// Softmax attention of one query row over keys [0, count) with a mask.
void attendRow(const std::vector<double> &q, const std::vector<std::vector<double>> &keys,
               const std::vector<std::vector<double>> &values, const std::vector<bool> &allowed,
               double scale, std::vector<double> &out) {
  double best = -INFINITY;
  std::vector<double> scores(keys.size(), -INFINITY);
  for (size_t j = 0; j < keys.size(); ++j) {
    if (!allowed[j])
      continue;
    scores[j] = std::inner_product(q.begin(), q.end(), keys[j].begin(), 0.0) * scale;
    best = std::max(best, scores[j]);
  }
  double total = 0;
  out.assign(values.empty() ? 0 : values[0].size(), 0.0);
  for (size_t j = 0; j < keys.size(); ++j) {
    if (!allowed[j])
      continue;
    double p = std::exp(scores[j] - best);
    total += p;
    for (size_t d = 0; d < out.size(); ++d)
      out[d] += p * values[j][d];
  }
  for (double &o : out)
    o /= total;
}

/// A (M x K) times B (K x N), accumulated in double.
std::vector<double> matmul(const Tensor &a, const Tensor &b) {
  int64_t m = a.shape[0], k = a.shape[1], n = b.shape[1];
  std::vector<double> c(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p)
        c[i * n + j] += a({i, p}) * b({p, j});
  return c;
}

std::vector<double> row(const Tensor &t, std::initializer_list<int64_t> prefix, int64_t length) {
  std::vector<double> r(length);
  size_t base = 0, d = 0;
  for (int64_t i : prefix)
    base = base * t.shape[d++] + i;
  for (; d < t.shape.size(); ++d)
    base *= t.shape[d];
  for (int64_t i = 0; i < length; ++i)
    r[i] = t.get(base + i);
  return r;
}
} // namespace

TEST_CASE("gemm: fp16, ragged M, N, K", "[kernels]") {
  int64_t M = 100, N = 70, K = 50;
  Kernel kernel("gemm.tl", "gemm", {{"block_M", "32"}, {"block_N", "32"}, {"block_K", "16"}});
  REQUIRE(kernel.ok());
  Tensor A = randomTensor(DType::F16, {M, K}, rng());
  Tensor B = randomTensor(DType::F16, {K, N}, rng());
  Tensor C = poisoned(DType::F16, {M, N});
  REQUIRE(kernel.run({A.arg(), B.arg(), C.arg()}));
  CHECK(relativeError(C, matmul(A, B)) < 2e-3);
}

TEST_CASE("gemm: bf16 with a pipelined K loop of one stage", "[kernels]") {
  int64_t M = 33, N = 65, K = 17;
  Kernel kernel("gemm.tl", "gemm",
                {{"block_M", "16"}, {"block_N", "64"}, {"block_K", "16"},
                 {"num_stages", "1"}, {"dtype", "bfloat16"}});
  REQUIRE(kernel.ok());
  Tensor A = randomTensor(DType::BF16, {M, K}, rng());
  Tensor B = randomTensor(DType::BF16, {K, N}, rng());
  Tensor C = poisoned(DType::BF16, {M, N});
  REQUIRE(kernel.run({A.arg(), B.arg(), C.arg()}));
  CHECK(relativeError(C, matmul(A, B)) < 1e-2);
}

TEST_CASE("gemm_nt and gemm_tn: transposed operands, ragged", "[kernels]") {
  int64_t M = 70, N = 45, K = 50;
  std::vector<std::pair<std::string, std::string>> tiles = {
      {"block_M", "32"}, {"block_N", "32"}, {"block_K", "16"}, {"num_stages", "2"},
      {"threads", "64"}};
  Kernel nt("gemm_transposed.tl", "gemm_nt", tiles), tn("gemm_transposed.tl", "gemm_tn", tiles);
  INFO(nt.errors << tn.errors);
  REQUIRE(nt.ok());
  REQUIRE(tn.ok());
  Tensor A = randomTensor(DType::F16, {M, K}, rng());
  Tensor Bt = randomTensor(DType::F16, {N, K}, rng());
  Tensor At = randomTensor(DType::F16, {K, M}, rng());
  Tensor B = randomTensor(DType::F16, {K, N}, rng());
  Tensor C1 = poisoned(DType::F16, {M, N}), C2 = poisoned(DType::F16, {M, N});
  REQUIRE(nt.run({A.arg(), Bt.arg(), C1.arg()}));
  REQUIRE(tn.run({At.arg(), B.arg(), C2.arg()}));
  std::vector<double> ref1(M * N, 0.0), ref2(M * N, 0.0);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j)
      for (int64_t k = 0; k < K; ++k) {
        ref1[i * N + j] += A({i, k}) * Bt({j, k});
        ref2[i * N + j] += At({k, i}) * B({k, j});
      }
  CHECK(relativeError(C1, ref1) < 2e-3);
  CHECK(relativeError(C2, ref2) < 2e-3);
}

TEST_CASE("gemm_fp8: e4m3 operands, B given as (N, K), bf16 out, ragged", "[kernels]") {
  int64_t M = 70, N = 45, K = 100;
  Kernel kernel("gemm_fp8.tl", "gemm_fp8",
                {{"block_M", "32"}, {"block_N", "32"}, {"block_K", "32"}, {"num_stages", "2"},
                 {"threads", "64"}});
  INFO(kernel.errors);
  REQUIRE(kernel.ok());
  Tensor A = randomTensor(DType::F8E4M3, {M, K}, rng());
  Tensor B = randomTensor(DType::F8E4M3, {N, K}, rng());
  Tensor C = poisoned(DType::BF16, {M, N});
  REQUIRE(kernel.run({A.arg(), B.arg(), C.arg()}));
  // The operands are exact in fp8; only the bf16 result is rounded.
  std::vector<double> ref(M * N, 0.0);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j)
      for (int64_t k = 0; k < K; ++k)
        ref[i * N + j] += A({i, k}) * B({j, k});
  CHECK(relativeError(C, ref) < 1e-2);
}

/// FlashAttention against a float64 reference; the queries are the last
/// qLen of the kvLen positions (qLen = kvLen: self-attention), causal masks
/// aligned to the bottom right.
/// With `ownTiles` the kernel picks its tiles for head dim `dim` (at 64, as
/// on Hopper, which the cpu target answers as: 192-query blocks on three
/// consumer warpgroups), else 32 x 16.
static void checkFlashAttention(bool causal, int64_t heads, int64_t kvHeads, int64_t qLen = 75,
                                int64_t kvLen = 75, bool ownTiles = false, int64_t dim = 32) {
  int64_t batch = 2;
  std::vector<std::pair<std::string, std::string>> defines{
      {"dim", std::to_string(dim)},
      {"groups", std::to_string(heads / kvHeads)},
      {"is_causal", causal ? "True" : "False"}};
  if (!ownTiles) {
    defines.emplace_back("block_M", "32");
    defines.emplace_back("block_N", "16");
  }
  Kernel kernel("flash_attention.tl", "flash_attention", defines);
  REQUIRE(kernel.ok());
  Tensor Q = randomTensor(DType::BF16, {batch, qLen, heads, dim}, rng());
  Tensor K = randomTensor(DType::BF16, {batch, kvLen, kvHeads, dim}, rng());
  Tensor V = randomTensor(DType::BF16, {batch, kvLen, kvHeads, dim}, rng());
  Tensor O = poisoned(DType::BF16, {batch, qLen, heads, dim});
  INFO(kernel.errors);
  REQUIRE(kernel.run({Q.arg(), K.arg(), V.arg(), O.arg()}));
  std::vector<double> ref;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t s = 0; s < qLen; ++s)
      for (int64_t h = 0; h < heads; ++h) {
        int64_t kvh = h / (heads / kvHeads), position = kvLen - qLen + s;
        std::vector<std::vector<double>> keys, values;
        std::vector<bool> allowed;
        for (int64_t j = 0; j < kvLen; ++j) {
          keys.push_back(row(K, {b, j, kvh}, dim));
          values.push_back(row(V, {b, j, kvh}, dim));
          allowed.push_back(!causal || j <= position);
        }
        std::vector<double> out;
        attendRow(row(Q, {b, s, h}, dim), keys, values, allowed, 1.0 / std::sqrt(dim), out);
        ref.insert(ref.end(), out.begin(), out.end());
      }
  CHECK(relativeError(O, ref) < 2e-2);
}

TEST_CASE("flash attention: a chunk of queries after a cached prefix", "[kernels]") {
  // 37 queries at positions 93..129 of 130 keys: blocks of 32 queries start
  // mid key-block, the diagonal crosses blocks, the last blocks are ragged.
  checkFlashAttention(/*causal=*/true, 4, 2, /*qLen=*/37, /*kvLen=*/130);
  checkFlashAttention(/*causal=*/false, 2, 2, /*qLen=*/37, /*kvLen=*/130);
}

TEST_CASE("flash attention: MHA, ragged sequence", "[kernels]") {
  checkFlashAttention(/*causal=*/false, 2, 2);
}

TEST_CASE("flash attention: the kernel's own tiles at head dim 64, ragged", "[kernels]") {
  // 200 queries: one whole 192-query block and a ragged one of 8 rows.
  checkFlashAttention(/*causal=*/false, 2, 1, /*qLen=*/200, /*kvLen=*/200, /*ownTiles=*/true,
                      /*dim=*/64);
  checkFlashAttention(/*causal=*/true, 2, 2, /*qLen=*/200, /*kvLen=*/230, /*ownTiles=*/true,
                      /*dim=*/64);
}

TEST_CASE("flash attention: the kernel's own tiles at head dim 256, ragged", "[kernels]") {
  // 64-key steps (two stages of 128-key K and V tiles would not fit): 150
  // keys end inside the third; 130 queries, a whole 128-query block and 2.
  checkFlashAttention(/*causal=*/true, 2, 1, /*qLen=*/130, /*kvLen=*/150, /*ownTiles=*/true,
                      /*dim=*/256);
}

/// A kernel built for one grouping of query heads refuses tensors of
/// another before it runs (its requirements), rather than reading the
/// wrong K and V heads.
TEST_CASE("flash attention: heads that do not match groups are refused", "[kernels]") {
  Kernel kernel("flash_attention.tl", "flash_attention",
                {{"dim", "32"}, {"groups", "4"}, {"block_M", "32"}, {"block_N", "16"}});
  REQUIRE(kernel.ok());
  Tensor Q = randomTensor(DType::BF16, {1, 20, 4, 32}, rng());
  Tensor K = randomTensor(DType::BF16, {1, 20, 4, 32}, rng());
  Tensor V = randomTensor(DType::BF16, {1, 20, 4, 32}, rng());
  Tensor O = poisoned(DType::BF16, {1, 20, 4, 32});
  CHECK_FALSE(kernel.run({Q.arg(), K.arg(), V.arg(), O.arg()}));
  CHECK(kernel.errors.find("the query heads must be 4 (groups) x K's heads") !=
        std::string::npos);
}

TEST_CASE("flash attention: GQA, causal, ragged sequence", "[kernels]") {
  checkFlashAttention(/*causal=*/true, 4, 2);
}

/// FlashAttention's backward pass after its forward with LSE
/// (flash_attention_lse), against float64 gradients of
/// softmax(Q K^T / sqrt(d)) V for the forward's output O and random dO. With
/// `vHeads` and `dimV` the DiffQKV kernels (diffqkv_attention.tl): V has its
/// own head count and head dimension.
static void checkFlashAttentionBackward(bool causal, int64_t heads, int64_t kvHeads,
                                        int64_t qLen, int64_t kvLen, int64_t vHeads = 0,
                                        int64_t dimV = 32) {
  bool diffqkv = vHeads != 0;
  if (!diffqkv)
    vHeads = kvHeads;
  int64_t batch = 2, dim = 32, groups = heads / kvHeads, vGroups = heads / vHeads;
  Defines defines = {{"block_M", "32"},
                     {"block_N", "16"},
                     {"threads", "128"},
                     {"is_causal", causal ? "True" : "False"}};
  if (diffqkv) {
    defines.insert(defines.end(), {{"dk", "32"},
                                   {"dv", std::to_string(dimV)},
                                   {"k_groups", std::to_string(groups)},
                                   {"v_groups", std::to_string(vGroups)}});
  } else {
    defines.insert(defines.end(), {{"dim", "32"}, {"groups", std::to_string(groups)}});
  }
  Defines forwardDefines = defines;
  forwardDefines.push_back({"num_stages", "1"});
  std::string file = diffqkv ? "diffqkv_attention.tl" : "flash_attention_bwd.tl";
  Kernel forward(file, diffqkv ? "diffqkv_attention_lse" : "flash_attention_lse", forwardDefines);
  Kernel backward(file, diffqkv ? "diffqkv_attention_bwd" : "flash_attention_bwd", defines);
  INFO(forward.errors << backward.errors);
  REQUIRE(forward.ok());
  REQUIRE(backward.ok());
  Tensor Q = randomTensor(DType::BF16, {batch, qLen, heads, dim}, rng());
  Tensor K = randomTensor(DType::BF16, {batch, kvLen, kvHeads, dim}, rng());
  Tensor V = randomTensor(DType::BF16, {batch, kvLen, vHeads, dimV}, rng());
  Tensor dO = randomTensor(DType::BF16, {batch, qLen, heads, dimV}, rng());
  Tensor O = poisoned(DType::BF16, {batch, qLen, heads, dimV});
  Tensor LSE = poisoned(DType::F32, {batch, heads, qLen});
  Tensor dQ = poisoned(DType::BF16, {batch, qLen, heads, dim});
  Tensor dK = poisoned(DType::BF16, {batch, kvLen, kvHeads, dim});
  Tensor dV = poisoned(DType::BF16, {batch, kvLen, vHeads, dimV});
  REQUIRE(forward.run({Q.arg(), K.arg(), V.arg(), O.arg(), LSE.arg()}));
  REQUIRE(backward.run({Q.arg(), K.arg(), V.arg(), O.arg(), dO.arg(), LSE.arg(), dQ.arg(),
                        dK.arg(), dV.arg()}));
  double scale = 1.0 / std::sqrt(dim);
  std::vector<double> refQ(dQ.size(), 0.0), refK(dK.size(), 0.0), refV(dV.size(), 0.0),
      refLse;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t s = 0; s < qLen; ++s) {
        int64_t kvh = h / groups, vh = h / vGroups, position = kvLen - qLen + s;
        // P, the output row and D = dO . O of this query.
        std::vector<double> p(kvLen, 0.0), out(dimV, 0.0);
        double best = -INFINITY, total = 0, dDotO = 0;
        for (int64_t j = 0; j < kvLen; ++j)
          if (!causal || j <= position) {
            for (int64_t d = 0; d < dim; ++d)
              p[j] += Q({b, s, h, d}) * K({b, j, kvh, d}) * scale;
            best = std::max(best, p[j]);
          }
        for (int64_t j = 0; j < kvLen; ++j) {
          p[j] = !causal || j <= position ? std::exp(p[j] - best) : 0.0;
          total += p[j];
        }
        // The forward's LSE: log2 units (of the scores scaled by log2(e)).
        refLse.push_back((best + std::log(total)) / std::log(2.0));
        for (int64_t j = 0; j < kvLen; ++j) {
          p[j] /= total;
          for (int64_t e = 0; e < dimV; ++e)
            out[e] += p[j] * V({b, j, vh, e});
        }
        for (int64_t e = 0; e < dimV; ++e)
          dDotO += dO({b, s, h, e}) * out[e];
        for (int64_t j = 0; j < kvLen; ++j) {
          if (p[j] == 0.0)
            continue;
          double dp = 0;
          for (int64_t e = 0; e < dimV; ++e)
            dp += dO({b, s, h, e}) * V({b, j, vh, e});
          double ds = p[j] * (dp - dDotO);
          for (int64_t d = 0; d < dim; ++d) {
            refQ[dQ.offset({b, s, h, d})] += ds * K({b, j, kvh, d}) * scale;
            refK[dK.offset({b, j, kvh, d})] += ds * Q({b, s, h, d}) * scale;
          }
          for (int64_t e = 0; e < dimV; ++e)
            refV[dV.offset({b, j, vh, e})] += p[j] * dO({b, s, h, e});
        }
      }
  CHECK(relativeError(LSE, refLse) < 1e-3);
  CHECK(relativeError(dQ, refQ) < 3e-2);
  CHECK(relativeError(dK, refK) < 3e-2);
  CHECK(relativeError(dV, refV) < 3e-2);
}

TEST_CASE("flash attention backward: MHA, ragged sequence", "[kernels]") {
  checkFlashAttentionBackward(/*causal=*/false, 2, 2, 45, 45);
}

TEST_CASE("DiffQKV attention backward: K and V heads and head dims differ", "[kernels]") {
  // 8 query heads on 2 K heads (dim 32) and 4 V heads (dim 48).
  checkFlashAttentionBackward(/*causal=*/true, 8, 2, 45, 45, /*vHeads=*/4, /*dimV=*/48);
  checkFlashAttentionBackward(/*causal=*/false, 8, 4, 37, 70, /*vHeads=*/2, /*dimV=*/64);
}

TEST_CASE("flash attention backward: GQA, causal, queries after a cached prefix", "[kernels]") {
  // 37 queries at positions 33..69 of 70 keys: the first key blocks are seen
  // by every query block, the diagonal crosses blocks, the tails are ragged.
  checkFlashAttentionBackward(/*causal=*/true, 4, 2, 37, 70);
  checkFlashAttentionBackward(/*causal=*/true, 4, 1, 45, 45);
}

/// Block-sparse attention's forward (with LSE) and backward over random
/// block lists (each query block's own block among them when causal, so that
/// every row sees a key), against float64 softmax attention restricted to the
/// listed blocks.
static void checkBlockSparseAttention(bool causal, int64_t heads, int64_t kvHeads, int64_t seq) {
  int64_t batch = 2, dim = 32, block = 16, maxSelected = 4, groups = heads / kvHeads;
  int64_t blocks = (seq + block - 1) / block;
  Defines defines = {{"dim", "32"},
                     {"block_M", "16"},
                     {"block_N", "16"},
                     {"threads", "128"},
                     {"groups", std::to_string(groups)},
                     {"is_causal", causal ? "True" : "False"}};
  Defines forwardDefines = defines;
  forwardDefines.push_back({"num_stages", "1"});
  Kernel forward("block_sparse_attention.tl", "block_sparse_attention_lse", forwardDefines);
  Kernel backward("block_sparse_attention.tl", "block_sparse_attention_bwd", defines);
  INFO(forward.errors << backward.errors);
  REQUIRE(forward.ok());
  REQUIRE(backward.ok());
  Tensor Q = randomTensor(DType::BF16, {batch, seq, heads, dim}, rng());
  Tensor K = randomTensor(DType::BF16, {batch, seq, kvHeads, dim}, rng());
  Tensor V = randomTensor(DType::BF16, {batch, seq, kvHeads, dim}, rng());
  Tensor dO = randomTensor(DType::BF16, {batch, seq, heads, dim}, rng());
  Tensor indices(DType::I32, {batch, kvHeads, blocks, maxSelected});
  Tensor counts(DType::I32, {batch, kvHeads, blocks});
  // allowed[(b, g, i, j)]: query i may see key j.
  std::vector<char> allowed(batch * kvHeads * seq * seq, 0);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t g = 0; g < kvHeads; ++g)
      for (int64_t qb = 0; qb < blocks; ++qb) {
        int64_t limit = causal ? qb + 1 : blocks;
        std::vector<int64_t> choice(limit);
        for (int64_t i = 0; i < limit; ++i)
          choice[i] = i;
        std::shuffle(choice.begin(), choice.end(), rng());
        int64_t count = 1 + int64_t(rng()() % std::min(maxSelected, limit));
        choice.resize(count);
        if (causal && std::find(choice.begin(), choice.end(), qb) == choice.end())
          choice.back() = qb;
        std::sort(choice.begin(), choice.end());
        counts.setInt(counts.offset({b, g, qb}), count);
        for (int64_t s = 0; s < maxSelected; ++s)
          indices.setInt(indices.offset({b, g, qb, s}), s < count ? choice[s] : 0);
        for (int64_t kb : choice)
          for (int64_t i = qb * block; i < std::min(seq, (qb + 1) * block); ++i)
            for (int64_t j = kb * block; j < std::min(seq, (kb + 1) * block); ++j)
              allowed[((b * kvHeads + g) * seq + i) * seq + j] = !causal || j <= i;
      }
  Tensor O = poisoned(DType::BF16, {batch, seq, heads, dim});
  Tensor LSE = poisoned(DType::F32, {batch, heads, seq});
  Tensor dQ = poisoned(DType::BF16, {batch, seq, heads, dim});
  Tensor dK = poisoned(DType::BF16, {batch, seq, kvHeads, dim});
  Tensor dV = poisoned(DType::BF16, {batch, seq, kvHeads, dim});
  REQUIRE(forward.run({Q.arg(), K.arg(), V.arg(), indices.arg(), counts.arg(), O.arg(),
                       LSE.arg()}));
  REQUIRE(backward.run({Q.arg(), K.arg(), V.arg(), indices.arg(), counts.arg(), O.arg(),
                        dO.arg(), LSE.arg(), dQ.arg(), dK.arg(), dV.arg()}));
  double scale = 1.0 / std::sqrt(dim);
  std::vector<double> refO(O.size(), 0.0), refQ(dQ.size(), 0.0), refK(dK.size(), 0.0),
      refV(dV.size(), 0.0);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < seq; ++i) {
        int64_t g = h / groups;
        const char *row = &allowed[((b * kvHeads + g) * seq + i) * seq];
        std::vector<double> p(seq, 0.0), out(dim, 0.0);
        double best = -INFINITY, total = 0, dDotO = 0;
        for (int64_t j = 0; j < seq; ++j)
          if (row[j]) {
            for (int64_t d = 0; d < dim; ++d)
              p[j] += Q({b, i, h, d}) * K({b, j, g, d}) * scale;
            best = std::max(best, p[j]);
          }
        for (int64_t j = 0; j < seq; ++j) {
          p[j] = row[j] ? std::exp(p[j] - best) : 0.0;
          total += p[j];
        }
        for (int64_t j = 0; j < seq; ++j) {
          p[j] /= total;
          for (int64_t d = 0; d < dim; ++d)
            out[d] += p[j] * V({b, j, g, d});
        }
        for (int64_t d = 0; d < dim; ++d) {
          refO[O.offset({b, i, h, d})] = out[d];
          dDotO += dO({b, i, h, d}) * out[d];
        }
        for (int64_t j = 0; j < seq; ++j) {
          if (p[j] == 0.0)
            continue;
          double dp = 0;
          for (int64_t d = 0; d < dim; ++d)
            dp += dO({b, i, h, d}) * V({b, j, g, d});
          double ds = p[j] * (dp - dDotO);
          for (int64_t d = 0; d < dim; ++d) {
            refQ[dQ.offset({b, i, h, d})] += ds * K({b, j, g, d}) * scale;
            refK[dK.offset({b, j, g, d})] += ds * Q({b, i, h, d}) * scale;
            refV[dV.offset({b, j, g, d})] += p[j] * dO({b, i, h, d});
          }
        }
      }
  CHECK(relativeError(O, refO) < 2e-2);
  CHECK(relativeError(dQ, refQ) < 3e-2);
  CHECK(relativeError(dK, refK) < 3e-2);
  CHECK(relativeError(dV, refV) < 3e-2);
}

TEST_CASE("block-sparse attention forward and backward: GQA, causal, ragged", "[kernels]") {
  checkBlockSparseAttention(/*causal=*/false, 4, 2, 70);
  checkBlockSparseAttention(/*causal=*/true, 2, 2, 77);
}

/// Retention's chunkwise backward (with a final-state gradient) against
/// float64 gradients of O = (Q K^T / sqrt(dk) * D) V and of the final state
/// S_T = sum_u gamma^(T-1-u) k_u^T v_u; `seq` need not fill the last chunk.
/// The chunk states come from the forward's retention_chunk_states, as
/// tilec.ops.retention passes them; the reverse states take slices of
/// `stateBlockV` columns; both state passes store their states through
/// shared memory or (`stageState` "False") from registers and walk the
/// chunks in `segments` runs.
static void checkRetentionBackward(int64_t seq, const std::string &stateBlockV,
                                   const std::string &stageState = "True",
                                   const std::string &segments = "1") {
  int64_t batch = 2, heads = 3, dk = 32, dv = 48, chunk = 16;
  Kernel states("retention.tl", "retention_chunk_states",
                {{"dk", "32"}, {"dv", "48"}, {"chunk", "16"}, {"block_K", "16"},
                 {"block_V", "32"}, {"stage_state", stageState}, {"segments", segments}});
  Kernel kernel("retention_bwd.tl", "retention_chunkwise_bwd",
                {{"dk", "32"}, {"dv", "48"}, {"chunk", "16"}, {"block_K", "16"},
                 {"block_V", "16"}, {"state_block_V", stateBlockV}, {"threads", "32"},
                 {"chunk_threads", "64"}, {"stage_state", stageState},
                 {"segments", segments}});
  INFO(states.errors << kernel.errors);
  REQUIRE(states.ok());
  REQUIRE(kernel.ok());
  Tensor Q = randomTensor(DType::BF16, {batch, seq, heads, dk}, rng());
  Tensor K = randomTensor(DType::BF16, {batch, seq, heads, dk}, rng());
  Tensor V = randomTensor(DType::BF16, {batch, seq, heads, dv}, rng());
  Tensor S = poisoned(DType::BF16, {batch, heads, (seq + chunk - 1) / chunk, dk, dv});
  Tensor dO = randomTensor(DType::BF16, {batch, seq, heads, dv}, rng());
  Tensor dState = randomTensor(DType::F32, {batch, heads, dk, dv}, rng());
  Tensor dQ = poisoned(DType::BF16, {batch, seq, heads, dk});
  Tensor dK = poisoned(DType::BF16, {batch, seq, heads, dk});
  Tensor dV = poisoned(DType::BF16, {batch, seq, heads, dv});
  REQUIRE(states.run({K.arg(), V.arg(), S.arg()}));
  REQUIRE(kernel.run({Q.arg(), K.arg(), V.arg(), S.arg(), dO.arg(), dState.arg(), dQ.arg(),
                      dK.arg(), dV.arg()}));
  double scale = 1.0 / std::sqrt(dk);
  std::vector<double> refQ(dQ.size(), 0.0), refK(dK.size(), 0.0), refV(dV.size(), 0.0);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h) {
      double gamma = 1.0 - std::pow(2.0, -5.0 - h);
      for (int64_t t = 0; t < seq; ++t)
        for (int64_t u = 0; u <= t; ++u) {
          // o_t += m (q_t . k_u) v_u, m = s gamma^(t-u).
          double m = scale * std::pow(gamma, double(t - u)), qk = 0, dov = 0;
          for (int64_t d = 0; d < dk; ++d)
            qk += Q({b, t, h, d}) * K({b, u, h, d});
          for (int64_t e = 0; e < dv; ++e)
            dov += dO({b, t, h, e}) * V({b, u, h, e});
          for (int64_t d = 0; d < dk; ++d) {
            refQ[dQ.offset({b, t, h, d})] += m * dov * K({b, u, h, d});
            refK[dK.offset({b, u, h, d})] += m * dov * Q({b, t, h, d});
          }
          for (int64_t e = 0; e < dv; ++e)
            refV[dV.offset({b, u, h, e})] += m * qk * dO({b, t, h, e});
        }
      // The final state's gradient: dk_u += w dS v_u, dv_u += w dS^T k_u.
      for (int64_t u = 0; u < seq; ++u) {
        double w = std::pow(gamma, double(seq - 1 - u));
        for (int64_t d = 0; d < dk; ++d)
          for (int64_t e = 0; e < dv; ++e) {
            double g = w * dState({b, h, d, e});
            refK[dK.offset({b, u, h, d})] += g * V({b, u, h, e});
            refV[dV.offset({b, u, h, e})] += g * K({b, u, h, d});
          }
      }
    }
  CHECK(relativeError(dQ, refQ) < 2e-2);
  CHECK(relativeError(dK, refK) < 2e-2);
  CHECK(relativeError(dV, refV) < 2e-2);
}

TEST_CASE("retention backward: chunkwise, whole and ragged last chunk", "[kernels]") {
  checkRetentionBackward(64, "16");
  // Reverse-state slices of 32 columns: the last one half outside dv = 48.
  checkRetentionBackward(75, "32");
  checkRetentionBackward(75, "32", /*stageState=*/"False");
  // Five chunks in runs of 2, 2 and 1, both directions.
  checkRetentionBackward(75, "32", /*stageState=*/"False", /*segments=*/"3");
  checkRetentionBackward(64, "16", /*stageState=*/"True", /*segments=*/"2");
}

/// Split-KV decoding as two kernels, or (`oneCall`) as flash_decode: the
/// same two steps as two launches of one kernel.
static void checkFlashDecoding(int64_t seq, int64_t numSplit, bool oneCall = false) {
  int64_t batch = 2, kvHeads = 2, groups = 2, heads = kvHeads * groups, dim = 32;
  Defines defines = {{"dim", "32"}, {"groups", "2"}, {"num_split", std::to_string(numSplit)},
                     {"block_N", "16"}};
  Tensor Q = randomTensor(DType::BF16, {batch, heads, dim}, rng());
  Tensor K = randomTensor(DType::BF16, {batch, seq, kvHeads, dim}, rng());
  Tensor V = randomTensor(DType::BF16, {batch, seq, kvHeads, dim}, rng());
  Tensor lse = poisoned(DType::F32, {batch, heads, numSplit});
  Tensor partial = poisoned(DType::F32, {batch, heads, numSplit, dim});
  Tensor O = poisoned(DType::BF16, {batch, heads, dim});
  if (oneCall) {
    Kernel both("flash_decoding.tl", "flash_decode", defines);
    INFO(both.errors);
    REQUIRE(both.ok());
    REQUIRE(both.run({Q.arg(), K.arg(), V.arg(), lse.arg(), partial.arg(), O.arg()}));
  } else {
    Kernel split("flash_decoding.tl", "flash_decode_split", defines);
    Kernel combine("flash_decoding.tl", "flash_decode_combine",
                   {{"dim", "32"}, {"num_split", std::to_string(numSplit)}});
    INFO(split.errors << combine.errors);
    REQUIRE(split.ok());
    REQUIRE(combine.ok());
    REQUIRE(split.run({Q.arg(), K.arg(), V.arg(), lse.arg(), partial.arg()}));
    REQUIRE(combine.run({lse.arg(), partial.arg(), O.arg()}));
  }
  std::vector<double> ref;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h) {
      std::vector<std::vector<double>> keys, values;
      for (int64_t j = 0; j < seq; ++j) {
        keys.push_back(row(K, {b, j, h / groups}, dim));
        values.push_back(row(V, {b, j, h / groups}, dim));
      }
      std::vector<double> out;
      attendRow(row(Q, {b, h}, dim), keys, values, std::vector<bool>(seq, true),
                1.0 / std::sqrt(dim), out);
      ref.insert(ref.end(), out.begin(), out.end());
    }
  CHECK(relativeError(O, ref) < 2e-2);
}

TEST_CASE("flash decoding: split-KV and combine, ragged cache", "[kernels]") {
  checkFlashDecoding(/*seq=*/100, /*numSplit=*/3);
}

TEST_CASE("flash decoding in one call: the split and combine launches in order", "[kernels]") {
  checkFlashDecoding(/*seq=*/100, /*numSplit=*/3, /*oneCall=*/true);
  checkFlashDecoding(/*seq=*/5, /*numSplit=*/8, /*oneCall=*/true);
}

TEST_CASE("flash decoding: more splits than keys leaves empty splits", "[kernels]") {
  checkFlashDecoding(/*seq=*/5, /*numSplit=*/8);
}

/// Retention's parallel form in float64: O[b, t, h] = sum over s <= t of
/// (q_t . k_s) gamma_h^(t - s) / sqrt(dk) v_s, plus, from an initial state
/// S0 (dk x dv per batch and head, or none), gamma_h^(t + 1) q_t S0 / sqrt(dk).
static std::vector<double> retentionReference(const Tensor &Q, const Tensor &K, const Tensor &V,
                                              const Tensor &O, const Tensor *S0 = nullptr) {
  int64_t batch = Q.shape[0], seq = Q.shape[1], heads = Q.shape[2], dk = Q.shape[3];
  int64_t dv = V.shape[3];
  std::vector<double> ref(O.size(), 0.0);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h) {
      double gamma = 1.0 - std::exp2(-5.0 - h);
      for (int64_t t = 0; t < seq; ++t) {
        for (int64_t s = 0; s <= t; ++s) {
          double qk = 0;
          for (int64_t d = 0; d < dk; ++d)
            qk += Q({b, t, h, d}) * K({b, s, h, d});
          double w = qk * std::pow(gamma, double(t - s)) / std::sqrt(double(dk));
          for (int64_t e = 0; e < dv; ++e)
            ref[O.offset({b, t, h, e})] += w * V({b, s, h, e});
        }
        if (!S0)
          continue;
        double decay = std::pow(gamma, double(t + 1)) / std::sqrt(double(dk));
        for (int64_t e = 0; e < dv; ++e)
          for (int64_t d = 0; d < dk; ++d)
            ref[O.offset({b, t, h, e})] += decay * Q({b, t, h, d}) * (*S0)({b, h, d, e});
      }
    }
  return ref;
}

/// Runs a one-kernel form of retention on fresh random Q, K, V (a ragged
/// sequence) and checks it against the float64 parallel form.
static void checkRetentionForm(const std::string &name, const Defines &defines, int64_t dk,
                               int64_t dv) {
  int64_t batch = 2, seq = 45, heads = 3;
  Kernel kernel("retention.tl", name, defines);
  INFO(kernel.errors);
  REQUIRE(kernel.ok());
  Tensor Q = randomTensor(DType::BF16, {batch, seq, heads, dk}, rng());
  Tensor K = randomTensor(DType::BF16, {batch, seq, heads, dk}, rng());
  Tensor V = randomTensor(DType::BF16, {batch, seq, heads, dv}, rng());
  Tensor O = poisoned(DType::BF16, {batch, seq, heads, dv});
  REQUIRE(kernel.run({Q.arg(), K.arg(), V.arg(), O.arg()}));
  CHECK(relativeError(O, retentionReference(Q, K, V, O)) < 2e-2);
}

TEST_CASE("retention: chunkwise equals the parallel form", "[kernels]") {
  checkRetentionForm("retention_chunkwise",
                     {{"dk", "32"}, {"dv", "32"}, {"chunk", "16"}, {"block_V", "16"}}, 32, 32);
}

TEST_CASE("retention: parallel form, ragged sequence", "[kernels]") {
  checkRetentionForm("retention_parallel",
                     {{"dk", "32"}, {"dv", "48"}, {"block_M", "16"}, {"block_N", "8"},
                      {"block_V", "32"}, {"threads", "64"}},
                     32, 48);
}

TEST_CASE("retention: chunkwise in two passes (states, then outputs)", "[kernels]") {
  int64_t batch = 2, seq = 45, heads = 3, dk = 32, dv = 48, chunk = 16;
  int64_t chunks = (seq + chunk - 1) / chunk;
  Defines shapes = {{"dk", "32"}, {"dv", "48"}, {"chunk", "16"}};
  Defines statesDefines = shapes, outputDefines = shapes;
  statesDefines.push_back({"block_K", "16"});
  statesDefines.push_back({"block_V", "16"});
  // Each state through shared memory, or straight from the registers; the
  // chunks walked in one run or in runs of 2 and 1 chunks whose states a
  // second launch completes.
  auto [stageState, segments] = GENERATE(table<std::string, std::string>(
      {{"True", "1"}, {"False", "1"}, {"False", "2"}, {"True", "3"}}));
  statesDefines.push_back({"stage_state", stageState});
  statesDefines.push_back({"segments", segments});
  outputDefines.push_back({"block_K", "16"});
  outputDefines.push_back({"block_V", "16"});
  Kernel states("retention.tl", "retention_chunk_states", statesDefines);
  Kernel output("retention.tl", "retention_chunk_output", outputDefines);
  INFO(states.errors << output.errors);
  REQUIRE(states.ok());
  REQUIRE(output.ok());
  Tensor Q = randomTensor(DType::BF16, {batch, seq, heads, dk}, rng());
  Tensor K = randomTensor(DType::BF16, {batch, seq, heads, dk}, rng());
  Tensor V = randomTensor(DType::BF16, {batch, seq, heads, dv}, rng());
  Tensor S = poisoned(DType::BF16, {batch, heads, chunks, dk, dv});
  Tensor O = poisoned(DType::BF16, {batch, seq, heads, dv});
  REQUIRE(states.run({K.arg(), V.arg(), S.arg()}));
  REQUIRE(output.run({Q.arg(), K.arg(), V.arg(), S.arg(), O.arg()}));
  CHECK(relativeError(O, retentionReference(Q, K, V, O)) < 2e-2);
  // S_c = sum over keys s < c * chunk of gamma^(c * chunk - 1 - s) k_s^T v_s.
  std::vector<double> ref(S.size());
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h) {
      double gamma = 1.0 - std::exp2(-5.0 - h);
      for (int64_t c = 0; c < chunks; ++c)
        for (int64_t d = 0; d < dk; ++d)
          for (int64_t e = 0; e < dv; ++e) {
            double value = 0;
            for (int64_t s = 0; s < c * chunk; ++s)
              value += std::pow(gamma, double(c * chunk - 1 - s)) * K({b, s, h, d}) *
                       V({b, s, h, e});
            ref[S.offset({b, h, c, d, e})] = value;
          }
    }
  CHECK(relativeError(S, ref) < 1e-2); // stored in bf16
}

TEST_CASE("retention: recurrent form from a state, and the state it leaves", "[kernels]") {
  int64_t batch = 2, seq = 7, heads = 3, dk = 32, dv = 48;
  Kernel kernel("retention.tl", "retention_recurrent",
                {{"dk", "32"}, {"dv", "48"}, {"block_V", "16"}, {"threads", "64"}});
  REQUIRE(kernel.ok());
  Tensor Q = randomTensor(DType::BF16, {batch, seq, heads, dk}, rng());
  Tensor K = randomTensor(DType::BF16, {batch, seq, heads, dk}, rng());
  Tensor V = randomTensor(DType::BF16, {batch, seq, heads, dv}, rng());
  Tensor O = poisoned(DType::BF16, {batch, seq, heads, dv});
  Tensor S0 = randomTensor(DType::F32, {batch, heads, dk, dv}, rng());
  Tensor S = S0;
  INFO(kernel.errors);
  REQUIRE(kernel.run({Q.arg(), K.arg(), V.arg(), O.arg(), S.arg()}));
  CHECK(relativeError(O, retentionReference(Q, K, V, O, &S0)) < 2e-2);
  // S_T = gamma^T S0 + sum over s of gamma^(T - 1 - s) k_s^T v_s.
  std::vector<double> state(S.size());
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h) {
      double gamma = 1.0 - std::exp2(-5.0 - h);
      for (int64_t d = 0; d < dk; ++d)
        for (int64_t e = 0; e < dv; ++e) {
          double value = std::pow(gamma, double(seq)) * S0({b, h, d, e});
          for (int64_t s = 0; s < seq; ++s)
            value += std::pow(gamma, double(seq - 1 - s)) * K({b, s, h, d}) * V({b, s, h, e});
          state[S.offset({b, h, d, e})] = value;
        }
    }
  CHECK(relativeError(S, state) < 1e-5);
}

/// Float64 decoding of one query token per sequence and head: Q [batch,
/// heads, dim], K/V [batch, seq, kvHeads, dim]; `allowed(b, kvHead, key)`
/// says which keys a KV head's query heads attend to.
static std::vector<double>
decodeReference(const Tensor &Q, const Tensor &K, const Tensor &V,
                const std::function<bool(int64_t, int64_t, int64_t)> &allowed) {
  int64_t batch = Q.shape[0], heads = Q.shape[1], dim = Q.shape[2];
  int64_t seq = K.shape[1], groups = heads / K.shape[2];
  std::vector<double> ref;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h) {
      int64_t kvh = h / groups;
      std::vector<std::vector<double>> keys, values;
      std::vector<bool> mask;
      for (int64_t j = 0; j < seq; ++j) {
        keys.push_back(row(K, {b, j, kvh}, dim));
        values.push_back(row(V, {b, j, kvh}, dim));
        mask.push_back(allowed(b, kvh, j));
      }
      std::vector<double> out;
      attendRow(row(Q, {b, h}, dim), keys, values, mask, 1.0 / std::sqrt(dim), out);
      ref.insert(ref.end(), out.begin(), out.end());
    }
  return ref;
}

/// For each (sequence, KV head) of `counts` [batch, kvHeads], picks
/// count(row) distinct blocks of `numBlocks` at random, `first` always
/// first, and writes them to `indices` [batch, kvHeads, maxSelected] (the
/// rest 0) and `counts`; returns them per row.
static std::vector<std::vector<int64_t>>
chooseBlocks(int64_t numBlocks, int64_t first, const std::function<int64_t(int64_t)> &count,
             Tensor &indices, Tensor &counts) {
  int64_t rows = counts.size(), maxSelected = indices.shape[2];
  std::vector<std::vector<int64_t>> chosen(rows);
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<int64_t> all(numBlocks);
    std::iota(all.begin(), all.end(), 0);
    std::shuffle(all.begin(), all.end(), rng());
    std::iter_swap(all.begin(), std::find(all.begin(), all.end(), first));
    int64_t n = count(r);
    chosen[r].assign(all.begin(), all.begin() + n);
    counts.setInt(r, n);
    for (int64_t t = 0; t < maxSelected; ++t)
      indices.setInt(r * maxSelected + t, t < n ? chosen[r][t] : 0);
  }
  return chosen;
}

TEST_CASE("block-sparse decode: data-dependent KV blocks", "[kernels]") {
  int64_t batch = 2, kvHeads = 2, heads = 4, dim = 32, blockN = 16; // 2 query heads a KV head
  int64_t seq = 150, numBlocks = (seq + blockN - 1) / blockN, maxSelected = 4;
  Kernel kernel("block_sparse_decode.tl", "block_sparse_decode",
                {{"dim", "32"}, {"groups", "2"}, {"block_N", "16"}});
  REQUIRE(kernel.ok());
  Tensor Q = randomTensor(DType::BF16, {batch, heads, dim}, rng());
  Tensor K = randomTensor(DType::BF16, {batch, seq, kvHeads, dim}, rng());
  Tensor V = randomTensor(DType::BF16, {batch, seq, kvHeads, dim}, rng());
  Tensor indices(DType::I32, {batch, kvHeads, maxSelected});
  Tensor counts(DType::I32, {batch, kvHeads});
  // The last (ragged) block is always among the chosen ones.
  auto chosen = chooseBlocks(numBlocks, numBlocks - 1,
                             [&](int64_t bh) { return 1 + bh % maxSelected; }, indices, counts);
  Tensor O = poisoned(DType::BF16, {batch, heads, dim});
  INFO(kernel.errors);
  REQUIRE(kernel.run({Q.arg(), K.arg(), V.arg(), indices.arg(), counts.arg(), O.arg()}));
  auto allowed = [&](int64_t b, int64_t kvh, int64_t key) {
    const auto &blocks = chosen[b * kvHeads + kvh];
    return std::find(blocks.begin(), blocks.end(), key / blockN) != blocks.end();
  };
  CHECK(relativeError(O, decodeReference(Q, K, V, allowed)) < 2e-2);
}

/// DiffQKV decode (split-KV + combine) against a float64 reference: query
/// head h reads K head h / kGroups and V head h / vGroups.
static void checkDiffQKV(int64_t kGroups, int64_t vGroups, int64_t seq, int64_t numSplit) {
  int64_t batch = 2, heads = 4, dk = 32, dv = 48;
  int64_t kHeads = heads / kGroups, vHeads = heads / vGroups;
  std::string splits = std::to_string(numSplit);
  Kernel split("diffqkv_decode.tl", "diffqkv_decode_split",
               {{"dk", "32"}, {"dv", "48"}, {"k_groups", std::to_string(kGroups)},
                {"v_groups", std::to_string(vGroups)}, {"num_split", splits},
                {"block_N", "16"}, {"block_H", "16"}});
  Kernel combine("diffqkv_decode.tl", "diffqkv_decode_combine",
                 {{"dv", "48"}, {"num_split", splits}});
  INFO(split.errors << combine.errors);
  REQUIRE(split.ok());
  REQUIRE(combine.ok());
  Tensor Q = randomTensor(DType::BF16, {batch, heads, dk}, rng());
  Tensor K = randomTensor(DType::BF16, {batch, seq, kHeads, dk}, rng());
  Tensor V = randomTensor(DType::BF16, {batch, seq, vHeads, dv}, rng());
  Tensor lse = poisoned(DType::F32, {batch, heads, numSplit});
  Tensor partial = poisoned(DType::F32, {batch, heads, numSplit, dv});
  Tensor O = poisoned(DType::BF16, {batch, heads, dv});
  REQUIRE(split.run({Q.arg(), K.arg(), V.arg(), lse.arg(), partial.arg()}));
  REQUIRE(combine.run({lse.arg(), partial.arg(), O.arg()}));
  std::vector<double> ref;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h) {
      std::vector<std::vector<double>> keys, values;
      for (int64_t j = 0; j < seq; ++j) {
        keys.push_back(row(K, {b, j, h / kGroups}, dk));
        values.push_back(row(V, {b, j, h / vGroups}, dv));
      }
      std::vector<double> out;
      attendRow(row(Q, {b, h}, dk), keys, values, std::vector<bool>(seq, true),
                1.0 / std::sqrt(dk), out);
      ref.insert(ref.end(), out.begin(), out.end());
    }
  CHECK(relativeError(O, ref) < 2e-2);
}

/// ReSA decode against a float64 reference: each KV head attends to its
/// selected blocks' keys before denseFrom and to every key from denseFrom on.
static void checkReSA(int64_t seq, int64_t denseFrom) {
  int64_t batch = 2, kvHeads = 2, heads = 4, dim = 32, blockN = 16, maxSelected = 4;
  Kernel kernel("resa.tl", "resa_decode", {{"dim", "32"}, {"groups", "2"}, {"block_N", "16"}});
  REQUIRE(kernel.ok());
  Tensor Q = randomTensor(DType::BF16, {batch, heads, dim}, rng());
  Tensor K = randomTensor(DType::BF16, {batch, seq, kvHeads, dim}, rng());
  Tensor V = randomTensor(DType::BF16, {batch, seq, kvHeads, dim}, rng());
  Tensor indices(DType::I32, {batch, kvHeads, maxSelected});
  Tensor counts(DType::I32, {batch, kvHeads});
  // Blocks before the tail's, and one that straddles denseFrom (its keys
  // from denseFrom on must count once); one head selects nothing.
  int64_t sparseBlocks = (denseFrom + blockN - 1) / blockN;
  // The block that holds denseFrom (the straddling one, if any) first.
  auto chosen = chooseBlocks(
      sparseBlocks, sparseBlocks - 1,
      [&](int64_t bh) { return std::min<int64_t>(bh % (maxSelected + 1), sparseBlocks); },
      indices, counts);
  Tensor O = poisoned(DType::BF16, {batch, heads, dim});
  INFO(kernel.errors);
  REQUIRE(kernel.run({Q.arg(), K.arg(), V.arg(), indices.arg(), counts.arg(), O.arg(),
                      cpu::KernelArg::ofInt(denseFrom)}));
  auto allowed = [&](int64_t b, int64_t kvh, int64_t key) {
    const auto &blocks = chosen[b * kvHeads + kvh];
    return key >= denseFrom ||
           std::find(blocks.begin(), blocks.end(), key / blockN) != blocks.end();
  };
  CHECK(relativeError(O, decodeReference(Q, K, V, allowed)) < 2e-2);
}

TEST_CASE("ReSA decode: selected blocks and a dense tail", "[kernels]") {
  checkReSA(/*seq=*/150, /*denseFrom=*/105); // the tail starts mid-block
  checkReSA(/*seq=*/150, /*denseFrom=*/96);  // on a block boundary
}

TEST_CASE("DiffQKV decode: fewer K heads than V heads, ragged cache", "[kernels]") {
  checkDiffQKV(/*kGroups=*/4, /*vGroups=*/2, /*seq=*/50, /*numSplit=*/3);
}

TEST_CASE("DiffQKV decode: fewer V heads than K heads, empty splits", "[kernels]") {
  checkDiffQKV(/*kGroups=*/1, /*vGroups=*/4, /*seq=*/5, /*numSplit=*/4);
}

TEST_CASE("element-wise: vector add (fp32) and GELU (bf16)", "[kernels]") {
  int64_t n = 1000;
  Kernel add("elementwise.tl", "vector_add", {{"block", "256"}});
  REQUIRE(add.ok());
  Tensor A = randomTensor(DType::F32, {n}, rng());
  Tensor B = randomTensor(DType::F32, {n}, rng());
  Tensor C = poisoned(DType::F32, {n});
  REQUIRE(add.run({A.arg(), B.arg(), C.arg()}));
  std::vector<double> ref(n);
  for (int64_t i = 0; i < n; ++i)
    ref[i] = A.get(i) + B.get(i);
  CHECK(relativeError(C, ref) < 1e-6);

  Kernel gelu("elementwise.tl", "gelu", {{"block", "256"}});
  REQUIRE(gelu.ok());
  Tensor X = randomTensor(DType::BF16, {n}, rng(), -4, 4);
  Tensor Y = poisoned(DType::BF16, {n});
  REQUIRE(gelu.run({X.arg(), Y.arg()}));
  for (int64_t i = 0; i < n; ++i)
    ref[i] = X.get(i) * 0.5 * (1.0 + std::erf(X.get(i) / std::sqrt(2.0)));
  CHECK(relativeError(Y, ref) < 1e-2);
}

TEST_CASE("element-wise: GELU with --fast-math (approximate erf)", "[kernels]") {
  // In float32 so that the approximation, not bf16 rounding, is measured;
  // the range reaches the tails where erfc underflows.
  int64_t n = 3000;
  Kernel gelu("elementwise.tl", "gelu", {{"block", "256"}, {"dtype", "float32"}},
              /*fastMath=*/true);
  REQUIRE(gelu.ok());
  Tensor X = randomTensor(DType::F32, {n}, rng(), -9, 9);
  Tensor Y = poisoned(DType::F32, {n});
  REQUIRE(gelu.run({X.arg(), Y.arg()}));
  std::vector<double> ref(n);
  double worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    double x = X.get(i);
    ref[i] = x * 0.5 * std::erfc(-x / std::sqrt(2.0));
    // x * (1 + erf) / 2: erf's absolute error, scaled by x.
    worst = std::max(worst, std::abs(Y.get(i) - ref[i]) / std::max(std::abs(x), 1.0));
  }
  CHECK(worst < 3e-7);
  CHECK(relativeError(Y, ref) < 1e-6);
}

TEST_CASE("T.erf with --fast-math: absolute error below 2e-7", "[kernels]") {
  const char *source = R"(
import tilelang.language as T

@T.prim_func
def erf(X: T.Tensor((N,), "float32"), Y: T.Tensor((N,), "float32")):
    with T.Kernel(T.ceildiv(N, 128), threads=128) as bx:
        for i in T.Parallel(128):
            if bx * 128 + i < N:
                Y[bx * 128 + i] = T.erf(X[bx * 128 + i])
)";
  int64_t n = 4000;
  Kernel erf("erf.tl", "erf", {}, /*fastMath=*/true, source);
  REQUIRE(erf.ok());
  Tensor X = randomTensor(DType::F32, {n}, rng(), -6, 6);
  Tensor Y = poisoned(DType::F32, {n});
  REQUIRE(erf.run({X.arg(), Y.arg()}));
  double worst = 0;
  for (int64_t i = 0; i < n; ++i)
    worst = std::max(worst, std::abs(Y.get(i) - std::erf(X.get(i))));
  CHECK(worst < 2e-7);
  CHECK(worst > 0); // the approximation ran, not std::erf
}

TEST_CASE("softmax: rows kept on chip and rows streamed in chunks", "[kernels]") {
  // N <= block_N keeps the row on chip; N > block_N streams it.
  for (int64_t N : {100, 128, 300}) {
    INFO("N = " << N);
    int64_t M = 10;
    Kernel kernel("softmax.tl", "softmax", {{"block_M", "4"}, {"block_N", "128"}, {"threads", "64"}});
    REQUIRE(kernel.ok());
    Tensor X = randomTensor(DType::F32, {M, N}, rng(), -5, 5);
    Tensor Y = poisoned(DType::F32, {M, N});
    REQUIRE(kernel.run({X.arg(), Y.arg()}));
    std::vector<double> ref(M * N);
    for (int64_t i = 0; i < M; ++i) {
      double best = -INFINITY, total = 0;
      for (int64_t j = 0; j < N; ++j)
        best = std::max(best, X({i, j}));
      for (int64_t j = 0; j < N; ++j)
        total += std::exp(X({i, j}) - best);
      for (int64_t j = 0; j < N; ++j)
        ref[i * N + j] = std::exp(X({i, j}) - best) / total;
    }
    CHECK(relativeError(Y, ref) < 1e-5);
  }
}

TEST_CASE("layernorm: fp32 with weight, bias and eps", "[kernels]") {
  // N <= block_N keeps the row on chip; N > block_N takes three passes.
  for (int64_t N : {100, 128, 300}) {
    INFO("N = " << N);
    int64_t M = 5;
    double eps = 1e-5;
    Kernel kernel("layernorm.tl", "layernorm", {{"block_N", "128"}, {"threads", "64"}});
    REQUIRE(kernel.ok());
    Tensor X = randomTensor(DType::F32, {M, N}, rng(), -3, 3);
    Tensor W = randomTensor(DType::F32, {N}, rng());
    Tensor Bias = randomTensor(DType::F32, {N}, rng());
    Tensor Y = poisoned(DType::F32, {M, N});
    REQUIRE(kernel.run({X.arg(), W.arg(), Bias.arg(), Y.arg(), cpu::KernelArg::ofFloat(eps)}));
    std::vector<double> ref(M * N);
    for (int64_t i = 0; i < M; ++i) {
      double mean = 0, var = 0;
      for (int64_t j = 0; j < N; ++j)
        mean += X({i, j});
      mean /= N;
      for (int64_t j = 0; j < N; ++j)
        var += (X({i, j}) - mean) * (X({i, j}) - mean);
      var /= N;
      for (int64_t j = 0; j < N; ++j)
        ref[i * N + j] = (X({i, j}) - mean) / std::sqrt(var + eps) * W.get(j) + Bias.get(j);
    }
    CHECK(relativeError(Y, ref) < 1e-5);
  }
}

TEST_CASE("reduction: row sum and row max", "[kernels]") {
  int64_t M = 13, N = 700;
  Kernel kernel("reduction.tl", "row_sum_max", {{"block_M", "8"}, {"block_N", "256"}});
  REQUIRE(kernel.ok());
  Tensor X = randomTensor(DType::F32, {M, N}, rng());
  Tensor S = poisoned(DType::F32, {M});
  Tensor Mx = poisoned(DType::F32, {M});
  REQUIRE(kernel.run({X.arg(), S.arg(), Mx.arg()}));
  std::vector<double> sums(M, 0.0), maxes(M, -INFINITY);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      sums[i] += X({i, j});
      maxes[i] = std::max(maxes[i], X({i, j}));
    }
  CHECK(relativeError(S, sums) < 1e-5);
  CHECK(relativeError(Mx, maxes) < 1e-6);
}

TEST_CASE("gemv: per-thread code, fp16 and bf16, ragged N and K", "[kernels]") {
  // Rows past N and columns past K (a ragged last vector) read zero.
  for (auto [dtype, name, N, K] : {std::tuple{DType::F16, "float16", 37, 300},
                                   std::tuple{DType::BF16, "bfloat16", 9, 2100},
                                   std::tuple{DType::F16, "float16", 1, 7}}) {
    Kernel kernel("gemv.tl", "gemv", {{"dtype", name}});
    REQUIRE(kernel.ok());
    Tensor A = randomTensor(dtype, {N, K}, rng());
    Tensor x = randomTensor(dtype, {K}, rng());
    Tensor y = poisoned(dtype, {N});
    REQUIRE(kernel.run({A.arg(), x.arg(), y.arg()}));
    std::vector<double> ref(N, 0.0);
    for (int64_t i = 0; i < N; ++i)
      for (int64_t j = 0; j < K; ++j)
        ref[i] += A({i, j}) * x.get(j);
    CHECK(relativeError(y, ref) < (dtype == DType::BF16 ? 1e-2 : 2e-3));
  }
}

TEST_CASE("T.cumsum: along rows, then in place in reverse along columns, ragged", "[kernels]") {
  const char *source = R"(
import tilelang.language as T

@T.prim_func
def scan(X: T.Tensor((N, 48), "float16"), Y: T.Tensor((N, 48), "float32")):
    with T.Kernel(T.ceildiv(N, 16), threads=128) as bx:
        s = T.alloc_shared((16, 48), "float16")
        t = T.alloc_shared((16, 48), "float32")
        T.copy(X[bx * 16, 0], s)
        T.cumsum(s, t, dim=1)
        T.cumsum(t, dim=0, reverse=True)
        T.copy(t, Y[bx * 16, 0])
)";
  int64_t n = 37, width = 48;
  Kernel scan("scan.tl", "scan", {}, /*fastMath=*/false, source);
  REQUIRE(scan.ok());
  Tensor X = randomTensor(DType::F16, {n, width}, rng());
  Tensor Y = poisoned(DType::F32, {n, width});
  REQUIRE(scan.run({X.arg(), Y.arg()}));
  // Rows past N read as zero into the last block: they add nothing.
  std::vector<double> ref(n * width);
  for (int64_t block = 0; block < n; block += 16) {
    int64_t rows = std::min<int64_t>(16, n - block);
    std::vector<double> t(rows * width);
    for (int64_t r = 0; r < rows; ++r) {
      double sum = 0;
      for (int64_t c = 0; c < width; ++c)
        t[r * width + c] = sum += X.get((block + r) * width + c);
    }
    for (int64_t c = 0; c < width; ++c) {
      double sum = 0;
      for (int64_t r = rows - 1; r >= 0; --r)
        ref[(block + r) * width + c] = sum += t[r * width + c];
    }
  }
  CHECK(relativeError(Y, ref) < 1e-5);
}
