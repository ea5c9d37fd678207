"""``python -m cynn coverage``: which of torch's public names cynn has, measured against
the installed torch (the report needs torch; cynn does not).

A name counts as present when the cynn namespace resolves it; a name torch has and cynn
lacks is either listed in ``EXCLUDED`` (with the reason cynn deliberately lacks it) or
reported missing. Nothing else is filtered, so the counts cannot flatter cynn.
"""
import fnmatch
import importlib
import inspect
import types

__all__ = ["NAMESPACES", "EXCLUDED", "Coverage", "measure", "markdown_table"]

# (torch namespace, cynn namespace, what counts as a public name there)
#   all:        the module's __all__
#   functions:  public callables that are not classes, defined by torch (not typing helpers)
#   classes:    public classes
#   submodules: public attributes that are modules (torch.backends)
#   methods:    public attributes of the class (torch.Tensor)
NAMESPACES = (
    ("torch", "cynn", "all"),
    ("torch.Tensor", "cynn.Tensor", "methods"),
    ("torch.nn", "cynn.nn", "classes"),
    ("torch.nn.functional", "cynn.nn.functional", "functions"),
    ("torch.nn.init", "cynn.nn.init", "all"),
    ("torch.linalg", "cynn.linalg", "functions"),
    ("torch.nn.utils", "cynn.nn.utils", "all"),
    ("torch.optim", "cynn.optim", "all"),
    ("torch.optim.lr_scheduler", "cynn.optim.lr_scheduler", "all"),
    ("torch.autograd", "cynn.autograd", "all"),
    ("torch.utils.data", "cynn.utils.data", "all"),
    ("torch.multiprocessing", "cynn.multiprocessing", "all"),
    ("torch.nn.parallel", "cynn.nn.parallel", "all"),
    ("torch.serialization", "cynn.serialization", "all"),
    ("torch.testing", "cynn.testing", "functions"),
    ("torch.profiler", "cynn.profiler", "all"),
    ("torch.backends", "cynn.backends", "submodules"),
    ("torch.accelerator", "cynn.accelerator", "all"),
    ("torch.sparse", "cynn.sparse", "all"),
)

# What cynn deliberately lacks, as (glob over "namespace:name", reason). A pattern that
# no longer matches any torch name is an error of the list (tested).
EXCLUDED = (
    # Number formats numpy has no type for, and the types built on them.
    ("*:*bfloat16*", "bfloat16: numpy has no such dtype"),
    ("*:*float8*", "float8 formats: numpy has no such dtypes"),
    ("torch:float4*", "float4 formats: numpy has no such dtypes"),
    ("*:*complex*", "complex tensors: cynn's kernels and autograd are real-valued"),
    ("torch:*chalf*", "complex tensors"),
    ("torch:cfloat", "complex tensors"), ("torch:cdouble", "complex tensors"),
    ("torch.Tensor:cfloat", "complex tensors"), ("torch.Tensor:cdouble", "complex tensors"),
    ("torch.Tensor:chalf", "complex tensors"),
    ("torch:*conj*", "complex tensors"), ("torch.Tensor:*conj*", "complex tensors"),
    ("torch:view_as_real*", "complex tensors"),
    ("torch:polar", "complex tensors"), ("torch:is_complex", "complex tensors"),
    ("torch.Tensor:is_complex", "complex tensors"),
    ("torch:bits*", "bit-packed dtypes: no numpy counterpart"),
    ("torch:uint1", "sub-byte dtypes"), ("torch:uint2", "sub-byte dtypes"),
    ("torch:uint3", "sub-byte dtypes"), ("torch:uint4", "sub-byte dtypes"),
    ("torch:uint5", "sub-byte dtypes"), ("torch:uint6", "sub-byte dtypes"),
    ("torch:uint7", "sub-byte dtypes"), ("torch:int1", "sub-byte dtypes"),
    ("torch:int2", "sub-byte dtypes"), ("torch:int3", "sub-byte dtypes"),
    ("torch:int4", "sub-byte dtypes"), ("torch:int5", "sub-byte dtypes"),
    ("torch:int6", "sub-byte dtypes"), ("torch:int7", "sub-byte dtypes"),
    # TorchScript: the JIT's IR, types and runtime (torch.jit), not a tensor API.
    ("torch:AggregationType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:AliasDb", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:AnyType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:Argument", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:ArgumentSpec", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:AwaitType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:BenchmarkConfig", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:BenchmarkExecutionStats", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:Block", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:BoolType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:BufferDict", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:CallStack", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:Capsule", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:ClassType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:Code", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:CompilationUnit", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:CompleteArgumentSpec", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:ConcreteModuleType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:ConcreteModuleTypeBuilder", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:DeepCopyMemoTable", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:DeviceObjType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:DictType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:EnumType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:ErrorReport", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:ExecutionPlan", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:FileCheck", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:FloatType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:FunctionSchema", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:Future", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:FutureType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:Gradient", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:Graph", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:GraphExecutorState", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:IODescriptor", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:InferredType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:IntType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:InterfaceType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:JITException", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:ListType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:LiteScriptModule", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:LockingLogger", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:Node", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:NoneType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:NoopLogger", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:NumberType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:OperatorInfo", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:OptionalType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:PyObjectType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:RRefType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:Script*", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:StaticModule", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:StringType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:Tag", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:TensorType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:ThroughputBenchmark", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:TracingState", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:TupleType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:Type", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:UnionType", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:Use", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:Value", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:import_ir_module*", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:merge_type_from_type_comment", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:parse_ir", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:parse_schema", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:parse_type_comment", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:unify_type_list", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:cpp", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:fork", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:wait", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:AVG", "TorchScript/JIT internals: cynn has no graph compiler"),
    ("torch:SUM", "TorchScript/JIT internals: cynn has no graph compiler"),
    # The dispatcher and torch-function machinery of torch's C++ core.
    ("torch:DisableTorchFunction*", "__torch_function__ dispatch: cynn Tensors are not subclassed"),
    ("torch:ExcludeDispatchKeyGuard", "C++ dispatcher internals"),
    # Mixed precision: autocast and loss scaling need float16/bfloat16 kernels.
    ("torch:*autocast*", "autocast: cynn's kernels are float32/float64 only"),
    ("torch:GradScaler", "loss scaling for autocast (float16 training)"),
    # The serialized-archive and storage objects of torch's C++ core (cynn.serialization
    # reads and writes the same files in Python).
    ("torch:PyTorchFile*", "C++ zip archive objects"),
    ("torch:*erializationStorageContext", "C++ archive storage contexts"),
    # TorchScript's own types and containers that leak into the torch namespace from C++
    ("torch:ComplexType", "a TorchScript/JIT type"),
    ("torch:ModuleDict", "TorchScript's C++ container type (nn.ModuleDict is cynn.nn's)"),
    ("torch:ParameterDict", "TorchScript's C++ container type (nn.ParameterDict is cynn.nn's)"),
    ("torch:bit", "a bit-packed dtype"),
    ("torch.Tensor:index", "functorch first-class dims (binds Dim objects; not indexing)"),
    ("torch.Tensor:to_padded_tensor", "nested tensors"),
    # SyncBatchNorm's CUDA statistics kernels and ATen-internal op forms.
    ("torch:batch_norm_*", "SyncBatchNorm's CUDA kernels (cynn's SyncBatchNorm reduces over MPI)"),
    ("torch:native_*", "ATen-internal forms of the F.* ops cynn exposes"),
    ("torch:choose_qparams_optimized", "quantization"), ("torch:int_repr", "quantization"),
    # Compressed and hybrid sparse layouts (COO only, issue 20).
    ("torch:*_indices_copy", "compressed sparse layouts"),
    ("torch:values_copy", "sparse tensors' values"),
    ("torch:indices_copy", "sparse tensors' indices"),
    ("torch.Tensor:*col_indices", "compressed sparse layouts"),
    ("torch.Tensor:*row_indices", "compressed sparse layouts"),
    ("torch.Tensor:resize_as_sparse_", "sparse tensors"),
    ("torch.Tensor:sparse_resize_*", "sparse tensors"),
    ("torch.Tensor:smm", "sparse-dense products of hybrid layouts"),
    ("torch.Tensor:sspaddmm", "sparse-dense products of hybrid layouts"),
    ("torch:resize_as_sparse_", "sparse tensors"),
    ("torch:sparse_compressed_tensor", "compressed sparse layouts"),
    ("torch:dsmm", "sparse-dense products of hybrid layouts"),
    ("torch:hsmm", "sparse-dense products of hybrid layouts"),
    ("torch:hspmm", "sparse-dense products of hybrid layouts"),
    ("torch:smm", "sparse-dense products of hybrid layouts"),
    ("torch:sspaddmm", "sparse-dense products of hybrid layouts"),
    ("torch:saddmm", "sparse-dense products of hybrid layouts"),
    ("torch:is_vulkan_available*", "Vulkan backend"),
    ("torch.linalg:eig", "complex tensors: a real matrix's eigenvectors are complex"),
    ("torch.linalg:eigvals", "complex tensors: a real matrix's eigenvalues are complex"),
    # DataPipes: deprecated in torch and moved out with torchdata.
    ("torch.utils.data:*DataPipe", "DataPipes are deprecated (torchdata)"),
    ("torch.utils.data:DataChunk", "DataPipes are deprecated (torchdata)"),
    ("torch.utils.data:functional_datapipe", "DataPipes are deprecated (torchdata)"),
    ("torch.utils.data:guaranteed_datapipes_determinism", "DataPipes are deprecated"),
    ("torch.utils.data:non_deterministic", "DataPipes are deprecated (torchdata)"),
    ("torch.utils.data:runtime_validation*", "DataPipes' type validation (deprecated)"),
    ("torch.utils.data:argument_validation", "DataPipes' type validation (deprecated)"),
    ("torch.utils.data:_DatasetKind", "a private enum torch lists in __all__"),
    ("torch.sparse:SparseSemiStructured*", "2:4 semi-structured sparsity: CUDA kernels"),
    ("torch.sparse:to_sparse_semi_structured", "2:4 semi-structured sparsity: CUDA kernels"),
    # Optimizers that need what cynn lacks.
    ("torch.optim:SparseAdam", "sparse gradients: cynn's autograd produces dense gradients only"),
    ("torch.optim:Muon", "its Newton-Schulz orthogonalisation runs in bfloat16, which numpy lacks"),
    # Quantization: integer kernels and observers are a library of their own.
    ("*:*quant*", "quantization"), ("*:q_*", "quantization"), ("*:qscheme", "quantization"),
    ("*:*qint*", "quantization"), ("*:*quint*", "quantization"),
    ("torch.Tensor:int_repr", "quantization"), ("torch:fbgemm_*", "quantization"),
    # Layouts other than strided and COO (issue 20 adds COO only).
    ("*:*csr*", "compressed sparse layouts: COO only"),
    ("*:*csc*", "compressed sparse layouts: COO only"),
    ("*:*bsr*", "compressed sparse layouts: COO only"),
    ("*:*bsc*", "compressed sparse layouts: COO only"),
    ("torch:*mkldnn*", "oneDNN layouts: cynn has its own kernels"),
    ("torch.Tensor:*mkldnn*", "oneDNN layouts"),
    # Devices and vendor back ends cynn does not have (it runs on the CPU).
    ("torch:*cudnn*", "CUDA-only"), ("torch:*miopen*", "ROCm-only"),
    ("torch.Tensor:*cuda*", "CUDA-only"), ("torch.Tensor:is_ipu", "IPU-only"),
    ("torch.Tensor:is_xla", "XLA-only"), ("torch.Tensor:is_mps", "MPS-only"),
    ("torch.Tensor:is_xpu", "XPU-only"), ("torch.Tensor:is_mtia", "MTIA-only"),
    ("torch.Tensor:is_maia", "MAIA-only"), ("torch.Tensor:is_vulkan", "Vulkan-only"),
    ("torch.Tensor:is_meta", "meta tensors"),
    ("torch.Tensor:ipu", "IPU-only"), ("torch.Tensor:mtia", "MTIA-only"),
    ("torch.Tensor:xpu", "XPU-only"),
    ("torch.backends:cusparselt", "CUDA-only"), ("torch.backends:cuda", "CUDA-only"),
    ("torch.backends:kleidiai", "Arm-only"), ("torch.backends:opt_einsum", "einsum back end"),
    ("torch.backends:nnpack", "NNPACK back end"),
    ("torch.backends:mha", "fused attention back end"),
    ("torch.backends:quantized", "quantization"),
    ("torch.backends:mkl", "MKL back end"),
    ("torch.backends:mps", "MPS back end"),
    # Compilation, tracing and graph capture: cynn runs eagerly.
    ("torch:compile*", "torch.compile"),
    ("torch:export", "torch.export"), ("torch:cond", "control-flow capture"),
    ("torch:vmap", "functorch transforms"),
    ("torch:Sym*", "symbolic shapes"), ("torch:sym_*", "symbolic shapes"),
    ("torch:*Stream*", "device streams"), ("torch:Event", "device streams"),
    ("torch:*Storage", "typed storages are deprecated in torch"),
    ("torch:TypedStorage", "storages"), ("torch:UntypedStorage", "storages"),
    ("torch.Tensor:*storage*", "storages"),
    ("torch:DispatchKey*", "dispatcher internals"),
)


class Coverage:
    """One namespace: torch's public names split into present, excluded and missing."""

    def __init__(self, torch_name, cynn_name, present, excluded, missing, unavailable=False):
        self.torch_name, self.cynn_name = torch_name, cynn_name
        self.present, self.excluded, self.missing = present, excluded, missing
        self.unavailable = unavailable   # the cynn namespace itself does not exist yet

    @property
    def total(self):
        return len(self.present) + len(self.excluded) + len(self.missing)


def _resolve(path):
    """The object at a dotted path (module, class or attribute), or None."""
    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        try:
            for attribute in parts[split:]:
                obj = getattr(obj, attribute)
        except AttributeError:
            return None
        return obj
    return None


_HELPER_MODULES = ("typing", "collections", "builtins", "torch._jit_internal",
                   "torch.overrides", "torch._C")


def _public_names(namespace, kind):
    if kind == "all":
        return sorted(set(getattr(namespace, "__all__", ())))
    if kind == "methods":
        return sorted(n for n in dir(namespace) if not n.startswith("_"))
    names = []
    for name in dir(namespace):
        if name.startswith("_"):
            continue
        obj = getattr(namespace, name)
        if kind == "submodules":
            if isinstance(obj, types.ModuleType):
                names.append(name)
            continue
        if isinstance(obj, types.ModuleType) or not callable(obj):
            continue
        module = getattr(obj, "__module__", None) or ""
        if module in _HELPER_MODULES or module.startswith(("typing", "collections.")):
            continue
        if getattr(obj, "__name__", None) == "Tensor":
            continue   # the re-exported tensor type, counted once under torch
        if kind == "classes" and not inspect.isclass(obj):
            continue
        if kind == "functions" and inspect.isclass(obj):
            continue
        names.append(name)
    return sorted(names)


def _excluded(torch_name, name):
    key = f"{torch_name}:{name}"
    return any(fnmatch.fnmatchcase(key, pattern) for pattern, _ in EXCLUDED)


def measure(namespaces=NAMESPACES):
    """A ``Coverage`` per namespace (torch must be importable)."""
    results = []
    for torch_name, cynn_name, kind in namespaces:
        torch_namespace = _resolve(torch_name)
        if torch_namespace is None:
            continue
        cynn_namespace = _resolve(cynn_name)
        present, excluded, missing = [], [], []
        for name in _public_names(torch_namespace, kind):
            if cynn_namespace is not None and hasattr(cynn_namespace, name):
                present.append(name)
            elif _excluded(torch_name, name):
                excluded.append(name)
            else:
                missing.append(name)
        results.append(Coverage(torch_name, cynn_name, present, excluded, missing,
                                unavailable=cynn_namespace is None))
    return results


def markdown_table(results):
    lines = ["| torch namespace | public names | cynn has | excluded | missing |",
             "|---|---|---|---|---|"]
    for c in results:
        note = " (no cynn module yet)" if c.unavailable else ""
        lines.append(f"| `{c.torch_name}`{note} | {c.total} | {len(c.present)} | "
                     f"{len(c.excluded)} | {len(c.missing)} |")
    return "\n".join(lines)


def report(show_missing=True, markdown=False):
    """Print the table (and the missing names); returns the process exit status."""
    try:
        import torch
    except ImportError:
        print("python -m cynn coverage compares with torch's namespaces: "
              "pip install torch==2.13.0 (the test oracle) first")
        return 1
    results = measure()
    print(f"cynn's coverage of torch {torch.__version__}'s public names")
    print(markdown_table(results))
    if show_missing and not markdown:
        for c in results:
            if c.missing:
                print(f"\nmissing from {c.cynn_name} ({len(c.missing)}):")
                print("  " + ", ".join(c.missing))
    return 0
