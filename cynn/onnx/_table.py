"""The mapping table itself: Function class -> ONNX mapping (see ``registry``)."""

MAPPINGS = {}


def builtin(*functions):
    """Register the decorated mapping for cynn's own ``functions`` (``_ops`` uses it)."""
    def decorator(mapping):
        for function in functions:
            MAPPINGS[function] = mapping
        return mapping
    return decorator
