"""A kernel call's arguments: bound to the kernel's parameters by position
or name, and checked against the launch ABI (dtype, constant extents, one
size per symbolic dimension) with errors that name the argument."""

__all__ = ["TORCH", "bind", "check_shapes", "checked_arguments", "concrete_shape"]

# The PyTorch dtypes of the ABI's dtypes (attribute names of torch).
TORCH = {"float16": "float16", "bfloat16": "bfloat16", "float32": "float32",
         "float64": "float64", "int8": "int8", "uint8": "uint8", "int16": "int16",
         "int32": "int32", "int64": "int64", "bool": "bool", "float8_e4m3": "float8_e4m3fn",
         "float8_e5m2": "float8_e5m2"}

# The NumPy dtypes of the ABI's dtypes on the cpu target (bfloat16 tensors
# are float32 arrays, rounded on the way in).
_NUMPY = {"float16": "float16", "bfloat16": "float32", "float32": "float32",
          "float64": "float64", "int8": "int8", "uint8": "uint8", "int16": "int16",
          "int32": "int32", "int64": "int64", "bool": "bool"}


def bind(params, args, kwargs, kernel):
    """The arguments in parameter order, from positional and keyword ones."""
    names = [p["name"] for p in params]
    if len(args) > len(names):
        raise TypeError(f"{kernel} takes {len(names)} arguments ({', '.join(names)}), "
                        f"got {len(args)}")
    values = dict(zip(names, args))
    for name, value in kwargs.items():
        if name not in names:
            raise TypeError(f"{kernel} has no parameter '{name}' (it takes {', '.join(names)})")
        if name in values:
            raise TypeError(f"{kernel} got two values for '{name}'")
        values[name] = value
    missing = [n for n in names if n not in values]
    if missing:
        raise TypeError(f"{kernel} takes {len(names)} arguments ({', '.join(names)}); "
                        f"missing {', '.join(missing)}")
    return [values[n] for n in names]


def concrete_shape(param, sizes, missing):
    """Tensor parameter `param`'s shape with its symbolic extents taken from
    `sizes`; `missing(name)` raises for an extent `sizes` lacks."""
    shape = []
    for extent in param["shape"]:
        if isinstance(extent, str):
            if extent not in sizes:
                missing(extent)
            extent = sizes[extent]
        shape.append(int(extent))
    return shape


def numpy_dtype(param):
    return _NUMPY.get(param["dtype"], param["dtype"])


def check_shapes(params, values, dtype_of, kernel):
    """Each tensor argument's dtype (as `dtype_of(value)` names it) and
    shape against its parameter: constant extents as declared, symbolic
    ones the same wherever a name repeats."""
    sizes = {}
    for param, value in zip(params, values):
        if param["kind"] != "tensor":
            continue
        name = param["name"]
        expected, got = dtype_of(param), str(getattr(value, "dtype", type(value).__name__))
        if got.replace("torch.", "") != expected:
            raise TypeError(f"{kernel}: argument '{name}' must be a {expected} tensor, got "
                            f"{got.replace('torch.', '')}")
        shape = tuple(value.shape)
        if len(shape) != len(param["shape"]):
            raise ValueError(f"{kernel}: argument '{name}' must have {len(param['shape'])} "
                             f"dimensions {tuple(param['shape'])}, got shape {shape}")
        for extent, size in zip(param["shape"], shape):
            if isinstance(extent, int) and extent != size:
                raise ValueError(f"{kernel}: argument '{name}' must have shape "
                                 f"{tuple(param['shape'])}, got {shape}")
            if isinstance(extent, str):
                first = sizes.setdefault(extent, (size, name))
                if first[0] != size:
                    raise ValueError(f"{kernel}: '{extent}' is {first[0]} in argument "
                                     f"'{first[1]}' but {size} in argument '{name}'")


def checked_arguments(metadata, args, kwargs, array_type, what, dtype_of):
    """The call's arguments in parameter order, each tensor an `array_type`
    (`what` names it in errors) of the dtype `dtype_of(param)` names and of
    its parameter's shape."""
    params = metadata["params"]
    kernel = f"kernel '{metadata.get('kernel', '?')}'"
    values = bind(params, args, kwargs, kernel)
    for param, value in zip(params, values):
        if param["kind"] == "tensor" and not isinstance(value, array_type):
            raise TypeError(f"{kernel}: argument '{param['name']}' must be {what}, not "
                            f"{type(value).__name__}")
    check_shapes(params, values, dtype_of, kernel)
    return values
