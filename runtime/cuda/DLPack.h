//===- DLPack.h - kernel arguments from DLPack tensors ----------*- C++ -*-===//
//
// DLPack's DLTensor is the interchange type for device tensors (PyTorch,
// JAX, CuPy export it): this turns one into a launch Argument, refusing
// host tensors and vector dtypes.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_RUNTIME_CUDA_DLPACK_H
#define TILEC_RUNTIME_CUDA_DLPACK_H

#include "runtime/launch/LaunchPlan.h"

#include <dlpack/dlpack.h>

namespace tilec::gpu {

/// Converts `tensor` (on a CUDA or ROCm device); false with `error` if it
/// cannot be a kernel argument.
inline bool argumentFromDLTensor(const DLTensor &tensor, Argument &arg, std::string &error) {
  if (tensor.device.device_type != kDLCUDA && tensor.device.device_type != kDLCUDAManaged &&
      tensor.device.device_type != kDLROCM) {
    error = "the tensor is not in GPU memory (DLPack device type " +
            std::to_string(static_cast<int>(tensor.device.device_type)) + ")";
    return false;
  }
  if (tensor.dtype.lanes != 1) {
    error = "vector dtypes (lanes > 1) are not supported";
    return false;
  }
  const DLDataType &t = tensor.dtype;
  std::optional<DType> dtype;
  if (t.code == kDLFloat && (t.bits == 16 || t.bits == 32 || t.bits == 64))
    dtype = parseDTypeName("float" + std::to_string(t.bits));
  else if (t.code == kDLBfloat && t.bits == 16)
    dtype = DType::BF16;
  else if (t.code == kDLInt && (t.bits == 8 || t.bits == 16 || t.bits == 32 || t.bits == 64))
    dtype = parseDTypeName("int" + std::to_string(t.bits));
  else if (t.code == kDLUInt && t.bits == 8)
    dtype = DType::U8;
  if (!dtype) {
    error = "unsupported DLPack dtype (code " + std::to_string(t.code) + ", " +
            std::to_string(t.bits) + " bits)";
    return false;
  }
  arg = Argument();
  arg.isTensor = true;
  arg.pointer = reinterpret_cast<uint64_t>(tensor.data) + tensor.byte_offset;
  arg.dtype = *dtype;
  arg.shape.assign(tensor.shape, tensor.shape + tensor.ndim);
  if (tensor.strides)
    arg.strides.assign(tensor.strides, tensor.strides + tensor.ndim);
  return true;
}

} // namespace tilec::gpu

#endif // TILEC_RUNTIME_CUDA_DLPACK_H
