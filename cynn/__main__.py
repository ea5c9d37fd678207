"""``python -m cynn info`` | ``python -m cynn plugins [--load]``."""
import argparse
import importlib.metadata
import platform
import sys

from ._metadata import DISTRIBUTION


def distribution() -> str:
    """``"cynn-nn 0.1.0"`` from the installed metadata, or why there is none."""
    try:
        return f"{DISTRIBUTION} {importlib.metadata.version(DISTRIBUTION)}"
    except importlib.metadata.PackageNotFoundError:
        return (f"{DISTRIBUTION} not installed (no metadata: cynn runs from a source tree or "
                "an old install)")


def info() -> int:
    import numpy

    import cynn
    from cynn import _build_config as build
    print(f"cynn {cynn.__version__} ({cynn.__file__})")
    print(f"distribution: {distribution()}")
    print(f"python {platform.python_version()} ({sys.executable})")
    print(f"numpy {numpy.__version__}")
    print(f"openmp compiled in: {'yes' if cynn._threads.openmp_compiled() else 'no'}")
    print(f"threads: {cynn.get_num_threads()}")
    print(f"debug build (bounds checks): {'yes' if build.DEBUG else 'no'}")
    print(f"compile flags: {' '.join(build.COMPILE_ARGS)}")
    print(f"link flags: {' '.join(build.LINK_ARGS) or '(none)'}")
    print(f"compiler: {build.COMPILER}")
    print("cython directives: " + ", ".join(f"{k}={v}" for k, v in build.DIRECTIVES.items()))
    try:
        from cynn import registry
    except ImportError:
        return 0
    plugins = [i for i in registry.layers().values() if i.status not in ("builtin",)]
    print(f"plugin layers found: {len(plugins)}")
    return 0


def plugins(load: bool) -> int:
    from cynn import registry
    infos = registry.layers()
    failed = 0
    for name in sorted(infos):
        if load and infos[name].status == "available":
            try:
                registry.get(name)
            except Exception:  # reported below through the registry's own status
                pass
    for key, item in sorted(registry.layers().items()):
        if item.status == "builtin" and not load:
            continue
        # a plugin layer shadowed by a built-in is reachable only as "dist:Name"
        shown = str(item) if key == item.name else f"{key}: {item}"
        print(shown + (f"  error: {item.error}" if item.error else ""))
        failed += item.status == "failed"
    return 1 if failed and load else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cynn", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="version, distribution, numpy, build flags, OpenMP, threads, "
                                "plugins")
    p = sub.add_parser("plugins", help="layers discovered through the cynn.layers entry points")
    p.add_argument("--load", action="store_true", help="import every plugin, report failures")
    args = parser.parse_args(argv)
    if args.command == "info":
        return info()
    return plugins(args.load)


if __name__ == "__main__":
    sys.exit(main())
