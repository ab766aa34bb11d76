//===- AttentionTemplateTest.cpp - the attention template's instances -----===//
//
// Each instance of kernels/attention/ (forward with LSE, backward, decoding)
// runs with the CPU target at its shipped tile sizes, on sequences that
// cross several tiles and end inside one, and is compared with one generic
// reference in double: the variant's score modification, mask and row
// normalisation written out in C++.
//
//===----------------------------------------------------------------------===//

#include "Harness.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <numeric>
#include <set>

using namespace tilec;
using namespace tilec::test;

namespace {
using Defines = std::vector<std::pair<std::string, std::string>>;

/// A variant as the reference computes it; positions count among the keys.
struct Variant {
  enum class Normalization { Softmax, Sigmoid, None };
  std::function<double(double, int64_t, int64_t, int64_t, int64_t)> scoreMod, scoreGrad;
  std::function<bool(int64_t, int64_t, int64_t, int64_t)> mask;
  Normalization normalization = Normalization::Softmax;
};

/// Sizes of one check; K and V head counts divide the query heads.
struct Problem {
  int64_t batch = 2, heads = 4, kHeads = 2, vHeads = 2, qLen = 150, kvLen = 150, dim = 32,
          dimV = 32;
};

/// Outputs, log2-sum-exp and gradients of attention, in double.
struct Reference {
  std::vector<double> out, lse, dQ, dK, dV;
};

Reference referenceAttention(const Variant &variant, const Problem &p, const Tensor &Q,
                             const Tensor &K, const Tensor &V, const Tensor *dO) {
  using Norm = Variant::Normalization;
  Reference r;
  r.out.assign(p.batch * p.qLen * p.heads * p.dimV, 0.0);
  r.dQ.assign(p.batch * p.qLen * p.heads * p.dim, 0.0);
  r.dK.assign(p.batch * p.kvLen * p.kHeads * p.dim, 0.0);
  r.dV.assign(p.batch * p.kvLen * p.vHeads * p.dimV, 0.0);
  r.lse.assign(p.batch * p.heads * p.qLen, 0.0);
  double scale = 1.0 / std::sqrt(double(p.dim));
  for (int64_t b = 0; b < p.batch; ++b)
    for (int64_t h = 0; h < p.heads; ++h)
      for (int64_t i = 0; i < p.qLen; ++i) {
        int64_t kh = h / (p.heads / p.kHeads), vh = h / (p.heads / p.vHeads);
        int64_t q = p.kvLen - p.qLen + i;
        std::vector<double> raw(p.kvLen, 0.0), score(p.kvLen, 0.0), weight(p.kvLen, 0.0);
        std::vector<bool> visible(p.kvLen, false);
        double best = -INFINITY, total = 0;
        for (int64_t k = 0; k < p.kvLen; ++k) {
          visible[k] = !variant.mask || variant.mask(b, h, q, k);
          for (int64_t d = 0; d < p.dim; ++d)
            raw[k] += Q({b, i, h, d}) * K({b, k, kh, d}) * scale;
          score[k] = variant.scoreMod ? variant.scoreMod(raw[k], b, h, q, k) : raw[k];
          if (visible[k])
            best = std::max(best, score[k]);
        }
        for (int64_t k = 0; k < p.kvLen; ++k) {
          if (!visible[k])
            continue;
          switch (variant.normalization) {
          case Norm::Softmax:
            weight[k] = std::exp(score[k] - best);
            total += weight[k];
            break;
          case Norm::Sigmoid:
            weight[k] = 1.0 / (1.0 + std::exp(-score[k]));
            break;
          case Norm::None:
            weight[k] = score[k];
            break;
          }
        }
        r.lse[(b * p.heads + h) * p.qLen + i] = (best + std::log(total)) / std::log(2.0);
        if (variant.normalization == Norm::Softmax)
          for (double &w : weight)
            w = total > 0 ? w / total : 0.0;
        std::vector<double> out(p.dimV, 0.0);
        for (int64_t k = 0; k < p.kvLen; ++k)
          for (int64_t e = 0; e < p.dimV; ++e)
            out[e] += weight[k] * V({b, k, vh, e});
        for (int64_t e = 0; e < p.dimV; ++e)
          r.out[((b * p.qLen + i) * p.heads + h) * p.dimV + e] = out[e];
        if (!dO)
          continue;
        double rowDelta = 0;
        for (int64_t e = 0; e < p.dimV; ++e)
          rowDelta += (*dO)({b, i, h, e}) * out[e];
        for (int64_t k = 0; k < p.kvLen; ++k) {
          if (!visible[k])
            continue;
          double dp = 0;
          for (int64_t e = 0; e < p.dimV; ++e)
            dp += (*dO)({b, i, h, e}) * V({b, k, vh, e});
          double ds = variant.normalization == Norm::Softmax   ? weight[k] * (dp - rowDelta)
                      : variant.normalization == Norm::Sigmoid ? weight[k] * (1 - weight[k]) * dp
                                                               : dp;
          if (variant.scoreGrad)
            ds *= variant.scoreGrad(raw[k], b, h, q, k);
          for (int64_t d = 0; d < p.dim; ++d) {
            r.dQ[((b * p.qLen + i) * p.heads + h) * p.dim + d] += ds * K({b, k, kh, d}) * scale;
            r.dK[((b * p.kvLen + k) * p.kHeads + kh) * p.dim + d] += ds * Q({b, i, h, d}) * scale;
          }
          for (int64_t e = 0; e < p.dimV; ++e)
            r.dV[((b * p.kvLen + k) * p.vHeads + vh) * p.dimV + e] +=
                weight[k] * (*dO)({b, i, h, e});
        }
      }
  return r;
}

/// The defines instance kernels take: the head dim, and head groups where
/// K heads differ from query heads.
Defines problemDefines(const Problem &p, Defines extra) {
  Defines defines = {{"dim", std::to_string(p.dim)}};
  if (p.heads != p.kHeads)
    defines.push_back({"groups", std::to_string(p.heads / p.kHeads)});
  defines.insert(defines.end(), extra.begin(), extra.end());
  return defines;
}

/// What a check passes besides Q, K, V and the outputs: defines, and the
/// trailing inputs (scalars, tensors) of each kernel.
struct Extras {
  Defines defines;
  std::function<std::vector<cpu::KernelArg>()> inputs;
  /// Defines of the backward kernel only.
  Defines backwardDefines = {};
  void append(std::vector<cpu::KernelArg> &args) const {
    if (inputs)
      for (cpu::KernelArg &arg : inputs())
        args.push_back(arg);
  }
};

/// Runs `<kernel>` (forward, with LSE for a softmax) and, when `backward`
/// is set, `<kernel>_bwd` of kernels/attention/`file`, against the
/// reference.
void checkInstance(const std::string &file, const std::string &kernel, const Variant &variant,
                   const Problem &p, bool backward, const Extras &extras = {}) {
  bool withLse = variant.normalization == Variant::Normalization::Softmax;
  Defines extra = extras.defines;
  INFO(file << " " << kernel << " q_len " << p.qLen << " kv_len " << p.kvLen);
  Defines defines = problemDefines(p, extra);
  Tensor Q = randomTensor(DType::BF16, {p.batch, p.qLen, p.heads, p.dim}, rng());
  Tensor K = randomTensor(DType::BF16, {p.batch, p.kvLen, p.kHeads, p.dim}, rng());
  Tensor V = randomTensor(DType::BF16, {p.batch, p.kvLen, p.vHeads, p.dimV}, rng());
  Tensor dO = randomTensor(DType::BF16, {p.batch, p.qLen, p.heads, p.dimV}, rng());
  Tensor O = poisoned(DType::BF16, {p.batch, p.qLen, p.heads, p.dimV});
  Tensor LSE = poisoned(DType::F32, {p.batch, p.heads, p.qLen});
  Reference ref = referenceAttention(variant, p, Q, K, V, backward ? &dO : nullptr);

  Kernel forward("attention/" + file, kernel, defines);
  INFO(forward.errors);
  REQUIRE(forward.ok());
  std::vector<cpu::KernelArg> args = {Q.arg(), K.arg(), V.arg(), O.arg()};
  if (withLse)
    args.push_back(LSE.arg());
  extras.append(args);
  REQUIRE(forward.run(args));
  INFO(forward.errors);
  CHECK(relativeError(O, ref.out) < 1e-2);
  if (withLse)
    CHECK(relativeError(LSE, ref.lse) < 1e-3);
  if (!backward)
    return;
  Tensor dQ = poisoned(DType::BF16, {p.batch, p.qLen, p.heads, p.dim});
  Tensor dK = poisoned(DType::BF16, {p.batch, p.kvLen, p.kHeads, p.dim});
  Tensor dV = poisoned(DType::BF16, {p.batch, p.kvLen, p.vHeads, p.dimV});
  Defines gradDefines = defines;
  gradDefines.insert(gradDefines.end(), extras.backwardDefines.begin(),
                     extras.backwardDefines.end());
  Kernel grad("attention/" + file, kernel + "_bwd", gradDefines);
  INFO(grad.errors);
  REQUIRE(grad.ok());
  std::vector<cpu::KernelArg> gradArgs = {Q.arg(), K.arg(), V.arg(), O.arg(), dO.arg()};
  if (withLse)
    gradArgs.push_back(LSE.arg());
  gradArgs.insert(gradArgs.end(), {dQ.arg(), dK.arg(), dV.arg()});
  extras.append(gradArgs);
  REQUIRE(grad.run(gradArgs));
  // Against the largest of the three gradients: where each query sees one
  // key (a window of 1), dQ and dK are zero in exact arithmetic.
  double scale = 1e-30;
  for (const std::vector<double> *grad : {&ref.dQ, &ref.dK, &ref.dV})
    for (double x : *grad)
      scale = std::max(scale, std::fabs(x));
  CHECK(relativeError(dQ, ref.dQ, scale) < 3e-2);
  CHECK(relativeError(dK, ref.dK, scale) < 3e-2);
  CHECK(relativeError(dV, ref.dV, scale) < 3e-2);
}

/// Runs `<kernel>` (one decoding step: Q/Output [batch, heads, dim]) against
/// the reference's last query row.
void checkDecode(const std::string &file, const std::string &kernel, const Variant &variant,
                 Problem p, const Extras &extras = {}) {
  INFO(file << " " << kernel << " kv_len " << p.kvLen);
  p.qLen = 1;
  Tensor Q = randomTensor(DType::BF16, {p.batch, p.heads, p.dim}, rng());
  Tensor K = randomTensor(DType::BF16, {p.batch, p.kvLen, p.kHeads, p.dim}, rng());
  Tensor V = randomTensor(DType::BF16, {p.batch, p.kvLen, p.vHeads, p.dimV}, rng());
  Tensor O = poisoned(DType::BF16, {p.batch, p.heads, p.dimV});
  // The reference's Q has a q_len dimension of 1: the same bytes.
  Tensor Q4 = Q;
  Q4.shape = {p.batch, 1, p.heads, p.dim};
  Reference ref = referenceAttention(variant, p, Q4, K, V, nullptr);
  Kernel decode("attention/" + file, kernel, problemDefines(p, extras.defines));
  INFO(decode.errors);
  REQUIRE(decode.ok());
  std::vector<cpu::KernelArg> args = {Q.arg(), K.arg(), V.arg(), O.arg()};
  extras.append(args);
  REQUIRE(decode.run(args));
  INFO(decode.errors);
  CHECK(relativeError(O, ref.out) < 1e-2);
}

bool causalMask(int64_t, int64_t, int64_t q, int64_t k) { return q >= k; }

cpu::KernelArg int32Arg(int64_t v) { return cpu::KernelArg::ofInt(v); }
cpu::KernelArg float32Arg(double v) { return cpu::KernelArg::ofFloat(v); }
} // namespace

TEST_CASE("attention template: dense, forward, backward and decoding", "[template]") {
  Problem p;
  p.qLen = 100;
  p.kvLen = 260;
  checkInstance("dense.tl", "dense_attention", Variant(), p, true);
  // dQ from a pass of its own instead of atomic adds.
  checkInstance("dense.tl", "dense_attention", Variant(), p, true,
                {{}, {}, {{"separate_dq", "True"}}});
  Problem decode;
  decode.heads = 8;
  decode.kvLen = 1000;
  checkDecode("dense.tl", "dense_decode", Variant(), decode);
  // At most four key blocks: one part, whose rows are the output (no merge
  // launch).
  decode.kvLen = 200;
  checkDecode("dense.tl", "dense_decode", Variant(), decode);
}

TEST_CASE("attention template: causal, MHA and GQA, prefill after a prefix", "[template]") {
  Variant causal;
  causal.mask = causalMask;
  Problem mha;
  mha.heads = mha.kHeads = mha.vHeads = 2;
  checkInstance("causal.tl", "causal_attention", causal, mha, true);
  Problem gqa;
  gqa.qLen = 70;
  gqa.kvLen = 300; // a chunk of queries after 230 cached keys
  checkInstance("causal.tl", "causal_attention", causal, gqa, true);
}

TEST_CASE("attention template: sliding window, forward, backward and decoding", "[template]") {
  for (int64_t window : {1, 100, 200, 1000}) {
    INFO("window " << window);
    Variant local;
    local.mask = [window](int64_t, int64_t, int64_t q, int64_t k) {
      return q >= k && q - k < window;
    };
    Extras extras{{}, [window] { return std::vector<cpu::KernelArg>{int32Arg(window)}; }};
    Problem p;
    p.qLen = p.kvLen = 300;
    checkInstance("sliding_window.tl", "sliding_window_attention", local, p, true, extras);
    Problem decode;
    decode.kvLen = 700;
    checkDecode("sliding_window.tl", "sliding_window_decode", local, decode, extras);
  }
}

TEST_CASE("attention template: prefix-LM", "[template]") {
  for (int64_t prefix : {0, 77, 260}) {
    INFO("prefix " << prefix);
    Variant variant;
    variant.mask = [prefix](int64_t, int64_t, int64_t q, int64_t k) {
      return k < prefix || q >= k;
    };
    Extras extras{{}, [prefix] { return std::vector<cpu::KernelArg>{int32Arg(prefix)}; }};
    Problem p;
    p.qLen = p.kvLen = 300;
    checkInstance("prefix_lm.tl", "prefix_lm_attention", variant, p, true, extras);
  }
}

TEST_CASE("attention template: document masking of packed sequences", "[template]") {
  Problem p;
  p.qLen = p.kvLen = 300;
  // Documents of ragged lengths, different in each sequence of the batch.
  auto ids = std::make_shared<Tensor>(DType::I32, std::vector<int64_t>{p.batch, p.kvLen});
  for (int64_t b = 0; b < p.batch; ++b) {
    int64_t doc = 0;
    for (int64_t k = 0; k < p.kvLen; ++k) {
      if (k == 37 * (b + 1) || k == 140 || k == 141 || k == 290 - b)
        ++doc;
      ids->setInt(b * p.kvLen + k, doc);
    }
  }
  Variant variant;
  variant.mask = [ids, &p](int64_t b, int64_t, int64_t q, int64_t k) {
    return q >= k && ids->getInt(b * p.kvLen + q) == ids->getInt(b * p.kvLen + k);
  };
  Extras extras{{}, [ids] { return std::vector<cpu::KernelArg>{ids->arg()}; }};
  checkInstance("document.tl", "document_attention", variant, p, true, extras);
}

TEST_CASE("attention template: ALiBi", "[template]") {
  Problem p;
  p.qLen = 100;
  p.kvLen = 300;
  Variant alibi;
  alibi.mask = causalMask;
  alibi.scoreMod = [&p](double s, int64_t, int64_t h, int64_t q, int64_t k) {
    return s - std::exp2(-8.0 * (h + 1) / p.heads) * double(q - k);
  };
  alibi.scoreGrad = [](double, int64_t, int64_t, int64_t, int64_t) { return 1.0; };
  checkInstance("alibi.tl", "alibi_attention", alibi, p, true);
  Variant decodeAlibi = alibi;
  decodeAlibi.mask = nullptr;
  Problem decode;
  decode.kvLen = 700;
  checkDecode("alibi.tl", "alibi_decode", decodeAlibi, decode);
}

TEST_CASE("attention template: tanh soft-capping", "[template]") {
  double cap = 0.5; // small enough that the scores of unit-range inputs bend
  Variant softcap;
  softcap.scoreMod = [cap](double s, int64_t, int64_t, int64_t, int64_t) {
    return cap * std::tanh(s / cap);
  };
  softcap.scoreGrad = [cap](double s, int64_t, int64_t, int64_t, int64_t) {
    double t = std::tanh(s / cap);
    return 1 - t * t;
  };
  Extras extras{{}, [cap] { return std::vector<cpu::KernelArg>{float32Arg(cap)}; }};
  Problem p;
  p.qLen = 130;
  p.kvLen = 260;
  checkInstance("softcap.tl", "softcap_attention", softcap, p, true, extras);
  Problem decode;
  decode.kvLen = 500;
  checkDecode("softcap.tl", "softcap_decode", softcap, decode, extras);
}

TEST_CASE("attention template: sigmoid attention", "[template]") {
  double bias = -std::log(260.0);
  Variant sigmoid;
  sigmoid.normalization = Variant::Normalization::Sigmoid;
  sigmoid.scoreMod = [bias](double s, int64_t, int64_t, int64_t, int64_t) { return s + bias; };
  sigmoid.scoreGrad = [](double, int64_t, int64_t, int64_t, int64_t) { return 1.0; };
  Extras extras{{}, [bias] { return std::vector<cpu::KernelArg>{float32Arg(bias)}; }};
  Problem p;
  p.qLen = 130;
  p.kvLen = 260;
  checkInstance("sigmoid.tl", "sigmoid_attention", sigmoid, p, true, extras);
}

TEST_CASE("attention template: retention's parallel form", "[template]") {
  auto decay = [](double, int64_t, int64_t h, int64_t q, int64_t k) {
    return std::pow(1.0 - std::exp2(-5.0 - h), double(q - k));
  };
  Variant retention;
  retention.normalization = Variant::Normalization::None;
  retention.mask = causalMask;
  retention.scoreMod = [decay](double s, int64_t b, int64_t h, int64_t q, int64_t k) {
    return s * decay(s, b, h, q, k);
  };
  retention.scoreGrad = decay;
  Problem p;
  p.heads = p.kHeads = p.vHeads = 3;
  p.qLen = p.kvLen = 200;
  checkInstance("retention.tl", "retention_attention", retention, p, true);
}

TEST_CASE("attention template: DiffQKV, K and V heads and head dims differ", "[template]") {
  Problem p; // 8 query heads on 2 K heads (dim 32) and 4 V heads (dim 48)
  p.heads = 8;
  p.kHeads = 2;
  p.vHeads = 4;
  p.dimV = 48;
  p.qLen = 90;
  p.kvLen = 170;
  Extras extras{{{"dim_v", "48"}, {"v_groups", "2"}}, {}};
  checkInstance("diffqkv.tl", "diffqkv_attention", Variant(), p, true, extras);
  // Decoding: a block takes the heads that share both their K and V head,
  // whichever of the two groups is smaller.
  p.kvLen = 700;
  checkDecode("diffqkv.tl", "diffqkv_decode", Variant(), p, extras);
  p.kHeads = 4;
  p.vHeads = 2;
  checkDecode("diffqkv.tl", "diffqkv_decode", Variant(),
              p, {{{"dim_v", "48"}, {"v_groups", "4"}}, {}});
}

namespace {
/// Distinct random key blocks: `count` of the `blocks`, in random order.
std::vector<int64_t> pickBlocks(int64_t blocks, int64_t count) {
  std::vector<int64_t> all(blocks);
  std::iota(all.begin(), all.end(), 0);
  std::shuffle(all.begin(), all.end(), rng());
  all.resize(std::min(count, blocks));
  return all;
}
} // namespace

TEST_CASE("attention template: block-sparse prefill and backward over block lists", "[template]") {
  Problem p;
  p.qLen = p.kvLen = 300;
  int64_t block = 64, qBlocks = 5, maxSelected = 3;
  auto indices = std::make_shared<Tensor>(
      DType::I32, std::vector<int64_t>{p.batch, p.kHeads, qBlocks, maxSelected});
  auto counts =
      std::make_shared<Tensor>(DType::I32, std::vector<int64_t>{p.batch, p.kHeads, qBlocks});
  // selected[b][g][i]: the key blocks query block i of K head g sees.
  std::vector<std::set<int64_t>> selected(p.batch * p.kHeads * qBlocks);
  for (int64_t at = 0; at < int64_t(selected.size()); ++at) {
    int64_t i = at % qBlocks;
    // Causal: blocks up to the diagonal; counts from 0 to all of them.
    std::vector<int64_t> picks = pickBlocks(i + 1, at % (maxSelected + 1));
    counts->setInt(at, int64_t(picks.size()));
    for (int64_t s = 0; s < maxSelected; ++s)
      indices->setInt(at * maxSelected + s, s < int64_t(picks.size()) ? picks[s] : -1);
    selected[at].insert(picks.begin(), picks.end());
  }
  Variant variant;
  int64_t groups = p.heads / p.kHeads;
  variant.mask = [&](int64_t b, int64_t h, int64_t q, int64_t k) {
    int64_t at = (b * p.kHeads + h / groups) * qBlocks + q / block;
    return q >= k && selected[at].count(k / block) != 0;
  };
  Extras extras{{}, [indices, counts] {
                  return std::vector<cpu::KernelArg>{indices->arg(), counts->arg()};
                }};
  checkInstance("block_sparse.tl", "block_sparse_attention", variant, p, true, extras);
}

TEST_CASE("attention template: block-sparse and ReSA decoding", "[template]") {
  Problem p;
  p.kvLen = 1000;
  int64_t block = 64, blocks = 16, maxSelected = 6;
  for (int64_t denseFrom : {int64_t(-1), int64_t(700), int64_t(1000)}) {
    INFO("dense_from " << denseFrom);
    bool resa = denseFrom >= 0;
    int64_t sparseBlocks = resa ? denseFrom / block : blocks;
    auto indices = std::make_shared<Tensor>(
        DType::I32, std::vector<int64_t>{p.batch, p.kHeads, maxSelected});
    auto counts = std::make_shared<Tensor>(DType::I32, std::vector<int64_t>{p.batch, p.kHeads});
    std::vector<std::set<int64_t>> selected(p.batch * p.kHeads);
    for (int64_t at = 0; at < p.batch * p.kHeads; ++at) {
      std::vector<int64_t> picks = pickBlocks(sparseBlocks, 2 + at % (maxSelected - 1));
      counts->setInt(at, int64_t(picks.size()));
      for (int64_t s = 0; s < maxSelected; ++s)
        indices->setInt(at * maxSelected + s, s < int64_t(picks.size()) ? picks[s] : -1);
      selected[at].insert(picks.begin(), picks.end());
    }
    int64_t groups = p.heads / p.kHeads;
    Variant variant;
    variant.mask = [&, denseFrom, resa](int64_t b, int64_t h, int64_t, int64_t k) {
      if (resa && k >= denseFrom)
        return true;
      return (!resa || k < denseFrom) &&
             selected[b * p.kHeads + h / groups].count(k / block) != 0;
    };
    Extras extras{{}, [indices, counts, denseFrom, resa] {
                    std::vector<cpu::KernelArg> args = {indices->arg(), counts->arg()};
                    if (resa)
                      args.push_back(int32Arg(denseFrom));
                    return args;
                  }};
    if (resa)
      checkDecode("resa.tl", "resa_decode", variant, p, extras);
    else
      checkDecode("block_sparse.tl", "block_sparse_decode", variant, p, extras);
  }
}

namespace {
/// One sequence of a batched tensor [batch, n, ...] as a tensor [1, length,
/// ...] (the first `length` positions).
Tensor sequence(const Tensor &t, int64_t b, int64_t length) {
  std::vector<int64_t> shape = t.shape;
  shape[0] = 1;
  shape[1] = length;
  Tensor part(t.dtype, shape);
  size_t row = part.size() / length, perSequence = t.size() / t.shape[0];
  for (size_t i = 0; i < part.size(); ++i)
    part.set(i, t.get(b * perSequence + i / row * row + i % row));
  return part;
}

/// Decoding over a cache of capacity p.kvLen holding lengths[b] positions
/// of sequence b, NaN past them: each sequence against the reference over
/// its own positions (`mask` as the variant's, per sequence). With
/// `tokens`, Q and Output are [batch, tokens, heads, dim]: that many query
/// tokens, the last positions of each sequence.
void checkDecodeCache(const std::string &file, const std::string &kernel, Problem p,
                      const std::vector<int64_t> &lengths,
                      const std::function<Variant(int64_t)> &variantOf,
                      const Extras &extras = {}, int64_t tokens = 0) {
  INFO(file << " " << kernel << " capacity " << p.kvLen << " tokens " << tokens);
  auto queryShape = [&](int64_t batch, int64_t dim) {
    return tokens ? std::vector<int64_t>{batch, tokens, p.heads, dim}
                  : std::vector<int64_t>{batch, p.heads, dim};
  };
  Tensor Q = randomTensor(DType::BF16, queryShape(p.batch, p.dim), rng());
  Tensor K = randomTensor(DType::BF16, {p.batch, p.kvLen, p.kHeads, p.dim}, rng());
  Tensor V = randomTensor(DType::BF16, {p.batch, p.kvLen, p.vHeads, p.dimV}, rng());
  Tensor O = poisoned(DType::BF16, queryShape(p.batch, p.dimV));
  Tensor L(DType::I32, {p.batch});
  for (int64_t b = 0; b < p.batch; ++b) {
    L.setInt(b, lengths[b]);
    size_t kRow = p.kHeads * p.dim, vRow = p.vHeads * p.dimV;
    for (int64_t k = lengths[b]; k < p.kvLen; ++k) {
      for (size_t e = 0; e < kRow; ++e)
        K.set((b * p.kvLen + k) * kRow + e, NAN);
      for (size_t e = 0; e < vRow; ++e)
        V.set((b * p.kvLen + k) * vRow + e, NAN);
    }
  }
  Kernel decode("attention/" + file, kernel, problemDefines(p, extras.defines));
  INFO(decode.errors);
  REQUIRE(decode.ok());
  std::vector<cpu::KernelArg> args = {Q.arg(), K.arg(), V.arg(), O.arg(), L.arg()};
  extras.append(args);
  REQUIRE(decode.run(args));
  INFO(decode.errors);
  for (int64_t b = 0; b < p.batch; ++b) {
    INFO("sequence " << b << " of length " << lengths[b]);
    Problem one = p;
    one.batch = 1;
    one.qLen = std::max<int64_t>(tokens, 1);
    one.kvLen = lengths[b];
    Tensor Qb(DType::BF16, {1, one.qLen, p.heads, p.dim}),
        Ob(DType::BF16, {1, one.qLen, p.heads, p.dimV});
    for (size_t i = 0; i < Qb.size(); ++i)
      Qb.set(i, Q.get(b * Qb.size() + i));
    for (size_t i = 0; i < Ob.size(); ++i)
      Ob.set(i, O.get(b * Ob.size() + i));
    Reference ref = referenceAttention(variantOf(b), one, Qb, sequence(K, b, lengths[b]),
                                       sequence(V, b, lengths[b]), nullptr);
    CHECK(relativeError(Ob, ref.out) < 1e-2);
  }
}
} // namespace

TEST_CASE("attention template: decoding over a cache of fixed capacity", "[template]") {
  // Ragged sequences in one cache (full, ending inside a block, one key);
  // what the cache holds past each is NaN and must not reach the output.
  Problem p;
  p.batch = 3;
  p.heads = 8;
  p.kvLen = 700;
  checkDecodeCache("dense.tl", "dense_decode_cache", p, {700, 333, 1},
                   [](int64_t) { return Variant(); });
  // A cache of four key blocks: one part, no merge.
  p.kvLen = 250;
  checkDecodeCache("dense.tl", "dense_decode_cache", p, {250, 129, 1},
                   [](int64_t) { return Variant(); });
  p.kvLen = 700;

  // ReSA: the selected blocks before dense_from, every key from it on.
  Problem r;
  r.kvLen = 1000;
  std::vector<int64_t> lengths = {1000, 801};
  int64_t block = 64, denseFrom = 700, maxSelected = 4;
  auto indices = std::make_shared<Tensor>(DType::I32,
                                          std::vector<int64_t>{r.batch, r.kHeads, maxSelected});
  auto counts = std::make_shared<Tensor>(DType::I32, std::vector<int64_t>{r.batch, r.kHeads});
  std::vector<std::set<int64_t>> selected(r.batch * r.kHeads);
  for (int64_t at = 0; at < r.batch * r.kHeads; ++at) {
    std::vector<int64_t> picks = pickBlocks(denseFrom / block, 1 + at % maxSelected);
    counts->setInt(at, int64_t(picks.size()));
    for (int64_t s = 0; s < maxSelected; ++s)
      indices->setInt(at * maxSelected + s, s < int64_t(picks.size()) ? picks[s] : -1);
    selected[at].insert(picks.begin(), picks.end());
  }
  int64_t groups = r.heads / r.kHeads, kHeads = r.kHeads;
  Extras extras{{}, [indices, counts, denseFrom] {
                  return std::vector<cpu::KernelArg>{indices->arg(), counts->arg(),
                                                     int32Arg(denseFrom)};
                }};
  checkDecodeCache("resa.tl", "resa_decode_cache", r, lengths,
                   [&, groups, kHeads](int64_t b) {
                     Variant variant;
                     variant.mask = [&selected, b, groups, kHeads, denseFrom,
                                     block](int64_t, int64_t h, int64_t, int64_t k) {
                       return k >= denseFrom ||
                              selected[b * kHeads + h / groups].count(k / block) != 0;
                     };
                     return variant;
                   },
                   extras);
}

TEST_CASE("attention template: several query tokens at the end of a cache", "[template]") {
  // Causal within the tokens; a block of the kernel takes 64 / groups of
  // them, so 37 tokens of 8 GQA heads span three blocks, the last ragged.
  Problem p;
  p.batch = 3;
  p.heads = 8;
  p.kvLen = 700;
  for (int64_t tokens : {int64_t(1), int64_t(5), int64_t(37)}) {
    Variant causal;
    causal.mask = causalMask;
    checkDecodeCache("causal.tl", "causal_decode_cache", p, {700, 333, 40},
                     [&](int64_t) { return causal; }, {}, tokens);
  }
  // A cache of four key blocks: one part, whose rows are the output.
  p.kvLen = 250;
  Variant causal;
  causal.mask = causalMask;
  checkDecodeCache("causal.tl", "causal_decode_cache", p, {250, 129, 40},
                   [&](int64_t) { return causal; }, {}, 37);
}

TEST_CASE("attention template: ReSA's block selection", "[template]") {
  // Each KV head's query group (its mean query) scores the key sums of the
  // eligible blocks; the top_k come best first. Eligible counts: none, fewer
  // than top_k, a ragged part of the blocks, all of them.
  int64_t batch = 2, heads = 8, kHeads = 2, dim = 32, blocks = 75, topK = 5;
  int64_t groups = heads / kHeads;
  for (int64_t eligible : {int64_t(0), int64_t(3), int64_t(41), blocks}) {
    INFO("eligible " << eligible);
    Tensor Q = randomTensor(DType::BF16, {batch, heads, dim}, rng());
    Tensor sums = randomTensor(DType::F32, {batch, blocks, kHeads, dim}, rng());
    Tensor indices(DType::I32, {batch, kHeads, topK}), counts(DType::I32, {batch, kHeads});
    for (size_t i = 0; i < indices.size(); ++i)
      indices.setInt(i, -7);
    Kernel select("attention/resa.tl", "resa_select",
                  {{"dim", std::to_string(dim)}, {"groups", std::to_string(groups)},
                   {"blocks", std::to_string(blocks)}, {"top_k", std::to_string(topK)}});
    INFO(select.errors);
    REQUIRE(select.ok());
    REQUIRE(select.run({Q.arg(), sums.arg(), int32Arg(eligible), indices.arg(), counts.arg()}));
    int64_t chosen = std::min(eligible, topK);
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t g = 0; g < kHeads; ++g) {
        std::vector<double> score(eligible, 0.0);
        for (int64_t n = 0; n < eligible; ++n)
          for (int64_t d = 0; d < dim; ++d) {
            double query = 0;
            for (int64_t j = 0; j < groups; ++j)
              query += Q({b, g * groups + j, d}) / groups;
            score[n] += query * sums({b, n, g, d});
          }
        std::vector<int64_t> order(eligible);
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(),
                  [&](int64_t x, int64_t y) { return score[x] > score[y]; });
        CHECK(counts.getInt(b * kHeads + g) == chosen);
        for (int64_t s = 0; s < topK; ++s)
          CHECK(indices.getInt((b * kHeads + g) * topK + s) == (s < chosen ? order[s] : -7));
      }
  }
}
