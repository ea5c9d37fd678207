"""cynn's modules import one way: no module reaches, directly or through others, back to
itself.

The graph is read from the source with ``ast`` rather than from ``sys.modules`` after an
import, so imports inside functions (the lazy ones that hide a cycle from the import
system without removing it) are edges too. Nodes are cynn's own modules, a package's
``__init__`` among them; ``from pkg import name`` is an edge to ``pkg.name`` when that is a
submodule and to ``pkg`` otherwise, and importing a submodule is an edge to the packages
above it that the importer is not inside, since Python runs their ``__init__`` first.
``importlib.import_module`` calls are not read: the only ones, in ``cynn/__init__.py`` and
``cynn/utils/__init__.py``, load subpackages on attribute access, downward.
"""
import ast
import pathlib

import pytest

PACKAGE = "cynn"
ROOT = pathlib.Path(__file__).resolve().parents[1] / PACKAGE

# Cycles still in the code, as frozenset(modules) -> why it is still there. The test fails
# when one of them disappears too, so the list cannot go stale. None today.
KNOWN_CYCLES = {}


def _module_name(path):
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules():
    """Module name -> (path, is_package) for every Python module of the package."""
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        found[_module_name(path)] = (path, path.name == "__init__.py")
    return found


def _owner(name, modules):
    """The module that importing ``name`` runs: ``name`` itself, or its nearest enclosing
    module when ``name`` is an attribute or a compiled extension (``cynn._kernels.conv``)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _resolve(node, importer, is_package):
    """The absolute module a ``from ... import`` names, relative levels resolved."""
    if node.level == 0:
        return node.module
    base = importer.split(".")
    # In a package's __init__ one dot means the package itself; in a module, its parent.
    base = base[:len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def _edges(name, path, is_package, modules):
    """The cynn modules that ``name`` imports anywhere in its body."""
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(node, name, is_package)
            candidates = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules
                          else source for alias in node.names]
        else:
            continue
        for candidate in candidates:
            if candidate == PACKAGE or candidate.startswith(PACKAGE + "."):
                target = _owner(candidate, modules)
                if target is not None:
                    targets.update(_runs(target, name, modules))
    return targets


def _runs(target, importer, modules):
    """What importing ``target`` from ``importer`` executes: ``target`` and each package
    above it that ``importer`` is not itself inside (those ran before ``importer`` did);
    a directory without ``__init__.py`` runs nothing.
    So ``cynn._tensor`` importing ``cynn.autograd.grad_mode`` runs ``cynn.autograd``."""
    parts = target.split(".")
    ran = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    return {module for module in ran if module in modules
            and module != importer and not importer.startswith(module + ".")}


def import_graph():
    modules = _modules()
    return {name: _edges(name, path, is_package, modules)
            for name, (path, is_package) in modules.items()}


def _strongly_connected(graph):
    """Tarjan's components, iteratively (the graph is small, but recursion depth is not
    the thing to test here)."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(frozenset(component))
    return components


def _a_cycle(graph, component):
    """One concrete cycle through ``component``, as the list of modules it visits: the
    shortest way back to the component's first module (breadth-first)."""
    start = min(component)
    parents, frontier = {start: None}, [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & component):
                if child == start:
                    path = [node]
                    while parents[path[-1]] is not None:
                        path.append(parents[path[-1]])
                    return path[::-1] + [start]
                if child not in parents:
                    parents[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"{sorted(component)} is not strongly connected")


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_the_graph_sees_every_kind_of_import(graph):
    """The reader finds what the cycle check relies on: relative and absolute imports,
    submodules named by ``from . import``, imports inside functions, and the package
    ``__init__`` that importing a submodule runs."""
    assert "cynn.nn" in graph and "cynn.nn.modules.module" in graph
    assert "cynn._tensor" in graph["cynn"]                      # from ._tensor import ...
    assert "cynn.nn.functional" in graph["cynn.nn"]             # from . import functional
    assert "cynn.nn.modules" in graph["cynn.nn"]                # package -> subpackage
    assert "cynn.registry" in graph["cynn.__main__"]            # inside a function
    assert "cynn.autograd" in graph["cynn._tensor"]             # runs autograd/__init__
    assert "cynn.nn" not in graph["cynn.nn.modules.module"]     # already running
    assert all(target in graph for targets in graph.values() for target in targets)


def test_cycle_finder_names_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": set()}
    (component,) = _strongly_connected(graph)
    assert component == {"a", "b", "c"}
    assert _a_cycle(graph, component) == ["a", "b", "c", "a"]


def test_no_import_cycles(graph):
    cycles = {component: _a_cycle(graph, component) for component in _strongly_connected(graph)}
    unexpected = [" -> ".join(path) + f"  (all in one cycle: {', '.join(sorted(component))})"
                  for component, path in cycles.items() if component not in KNOWN_CYCLES]
    assert not unexpected, "import cycles in cynn:\n  " + "\n  ".join(sorted(unexpected))
    gone = [sorted(component) for component in KNOWN_CYCLES if component not in cycles]
    assert not gone, f"known cycles no longer present, drop them from KNOWN_CYCLES: {gone}"


def _reaches(graph, start):
    seen, todo = set(), [start]
    while todo:
        for target in graph[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


@pytest.mark.parametrize("lower, higher", [
    ("cynn.registry", "cynn.nn"),          # cynn.nn hands its layers to the registry
    ("cynn.registry", "cynn.nn.build"),    # one door to build: cynn.nn.build
    ("cynn._handles", "cynn._tensor"),     # hook handles sit below everything that has hooks
    ("cynn._handles", "cynn.utils"),
    ("cynn.autograd", "cynn._tensor"),     # the tensor comes back through function.Tensor
    ("cynn._tensor", "cynn._creation"),
    ("cynn.utils.data._fetch", "cynn.utils.data.dataloader"),
])
def test_lower_layers_do_not_climb(graph, lower, higher):
    """The back edges issue 13 named stay gone, even through other modules."""
    assert higher not in _reaches(graph, lower)
