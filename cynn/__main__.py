"""The ``python -m cynn`` command line: ``--version``, ``info``, ``plugins [--load]`` and
``coverage``.

argparse prints its texts verbatim, so they are plain text here, not reStructuredText.
"""
import argparse
import importlib.metadata
import platform
import sys
import warnings

from ._metadata import DISTRIBUTION

DESCRIPTION = """\
Report on this cynn installation (info) and on the layers that installed plugin
distributions add through the cynn.layers entry-point group (plugins)."""

_PLUGIN_STATUSES = ("available", "loaded", "failed")
_DISABLED = "plugin autoload is disabled by CYNN_DISABLE_PLUGIN_AUTOLOAD=1"
_NONE_FOUND = ("no plugin layers found: no installed distribution declares entry points in the "
               "cynn.layers group")


def version() -> str:
    import cynn
    return f"cynn {cynn.__version__}"


def distribution() -> str:
    """``"cynn-nn 0.1.0"`` from the installed metadata, or why there is none."""
    try:
        return f"{DISTRIBUTION} {importlib.metadata.version(DISTRIBUTION)}"
    except importlib.metadata.PackageNotFoundError:
        return (f"{DISTRIBUTION} not installed (no metadata: cynn runs from a source tree or "
                "an old install)")


def _plugin_layers(registry):
    """(key, LayerInfo) of every plugin layer, grouped by distribution, by name within one."""
    found = [(key, item) for key, item in registry.layers().items()
             if item.status in _PLUGIN_STATUSES]
    return sorted(found, key=lambda entry: (entry[1].origin, entry[1].name))


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
    if registry._autoload_disabled():
        print(f"plugin layers found: none, {_DISABLED}")
        return 0
    found = _plugin_layers(registry)
    print(f"plugin layers found: {len(found)}")
    by_distribution = {}
    for _key, item in found:
        label = item.name if item.status != "failed" else f"{item.name} (failed)"
        by_distribution.setdefault(item.origin, []).append(label)
    for origin, names in by_distribution.items():
        print(f"  {origin}: {', '.join(names)}")
    return 0


def _describe(key, item, listed):
    """One line for a plugin layer: the name ``get()`` takes, origin and status, and, when
    that name is qualified, what the bare name means instead."""
    line = f"{key} ({item.origin}, {item.status}"
    if key != item.name:
        winner = listed.get(item.name)
        if winner is None:
            line += f"; the bare name {item.name} is ambiguous"
        elif winner.status == "builtin":
            line += f"; the bare name {item.name} is cynn's built-in"
        else:
            line += f"; the bare name {item.name} is {winner}"
    line += ")"
    return line + (f"  error: {item.error}" if item.error else "")


def plugins(load: bool) -> int:
    from cynn import registry
    if registry._autoload_disabled():
        print(f"{_DISABLED}: installed plugins are ignored")
        return 0
    found = _plugin_layers(registry)
    if not found:
        print(_NONE_FOUND)
        return 0
    if load:
        with warnings.catch_warnings():
            # each failure's PluginWarning would repeat the error its line below shows
            warnings.simplefilter("ignore", registry.PluginWarning)
            for key, item in found:
                if item.status == "available":
                    try:
                        registry.get(key)
                    except Exception:  # reported below through the registry's own status
                        pass
        found = _plugin_layers(registry)
    listed = registry.layers()
    failed = 0
    for key, item in found:
        print(_describe(key, item, listed))
        failed += item.status == "failed"
    return 1 if failed and load else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cynn", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=version())
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="version, distribution, numpy, build flags, OpenMP, threads, "
                                "plugin distributions and their layers",
                   description="Print the version, distribution, python and numpy, the build "
                               "(OpenMP, debug checks, flags), the thread count and the plugin "
                               "distributions found with their layers.")
    p = sub.add_parser("plugins", help="the layers installed plugins add (cynn.layers entry "
                                       "points)",
                       description="List every plugin layer with its distribution and status "
                                   "(available, loaded or failed), under the name "
                                   "cynn.registry.get() takes. Listing reads metadata only.")
    p.add_argument("--load", action="store_true",
                   help="import every plugin layer too; exit status 1 if any fails")
    c = sub.add_parser("coverage", help="which of torch's public names cynn has (needs torch)",
                       description="Compare cynn's namespaces with the installed torch's: "
                                   "names present, deliberately excluded (see "
                                   "cynn/_coverage.py) and missing, per namespace.")
    c.add_argument("--markdown", action="store_true",
                   help="only the table, as in docs/coverage.md")
    args = parser.parse_args(argv)
    if args.command == "info":
        return info()
    if args.command == "coverage":
        from ._coverage import report
        return report(markdown=args.markdown)
    return plugins(args.load)


if __name__ == "__main__":
    sys.exit(main())
