"""Utilities: hook handles (``cynn.utils.hooks``) and data loading (``cynn.utils.data``)."""


def __getattr__(name):
    # data loads on first use: it brings in multiprocessing, which a user of
    # cynn.utils.hooks alone does not need.
    if name == "data":
        import importlib
        return importlib.import_module(".data", __name__)
    raise AttributeError(f"module 'cynn.utils' has no attribute {name!r}")
