"""Layer registry: cynn's built-in layers, in-process registrations and plugin layers.

A layer name comes from one of three sources:

* **built-ins** -- every ``cynn.nn.Module`` subclass that ``cynn.nn`` exports
  (``Linear``, ``Conv2d``, ``Sequential`` ...), origin ``"cynn"``; ``cynn.nn`` hands
  them over when it is imported, which ``cynn.registry`` reached as ``cynn.registry``
  or ``from cynn import registry`` does first;
* **registrations** -- ``@register_layer("Name")`` in the running process, origin
  the module that defines the class;
* **plugins** -- entry points in the ``cynn.layers`` group of any installed
  distribution, ``Name = package.module:Class``, origin ``"<distribution> <version>"``.
  Listing them reads distribution metadata only; the plugin's module is imported
  when one of its layers is first requested with :func:`get`. Setting
  ``CYNN_DISABLE_PLUGIN_AUTOLOAD=1`` turns plugin discovery off.

When several sources claim one name, ``register_layer(..., override=True)`` wins,
then the built-in; registrations without ``override`` and plugins rank equal, and
if two of them claim a name :func:`get` raises :class:`AmbiguousLayerError`
naming both. A qualified name picks one explicitly: ``"cynn:Linear"`` (the
built-in), ``"<distribution>:Name"`` (a plugin) or ``"<module>:Name"`` (a
registration). The keys of :func:`layers` are exactly the names :func:`get`
accepts: the bare name for the winner, the qualified name for each shadowed or
ambiguous claim.

A plugin declares the cynn versions it supports through its own requirement on
cynn (``dependencies = ["cynn-nn>=0.1,<0.2"]`` in its pyproject.toml, i.e.
``Requires-Dist`` in its metadata). An incompatible plugin is not imported: its
layers show as ``"failed"`` with the reason. A plugin that fails to import, or
whose entry point is not a Module subclass, fails the same way on first
request. Either way a :class:`PluginWarning` names it once, ``import cynn`` and
:func:`layers` keep working, and :func:`get` raises :class:`PluginError` naming
the layer, the distribution and the entry point, chained to the original
exception. A failed import is not retried in the same process. An import that
raises anything but ``KeyboardInterrupt`` -- ``SystemExit`` from a stray
``sys.exit()`` included -- fails this way. An entry point whose name is not a valid
layer name (empty, or containing ``":"``) is warned about when plugins are listed
and is not offered.

Threads: the registry's own state is guarded by one lock held only for bookkeeping;
a plugin is imported under a lock of its own distribution. So built-in layers,
registrations and other distributions' plugins never wait for a slow plugin import,
and two threads asking for one plugin import it once.
"""
import dataclasses
import difflib
import importlib.metadata
import os
import re
import sys
import threading

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from . import _warnings
from ._metadata import DISTRIBUTION

__all__ = ["LayerInfo", "layers", "get", "register_layer",
           "PluginError", "PluginWarning", "UnknownLayerError", "AmbiguousLayerError",
           "SpecError"]

ENTRY_POINT_GROUP = "cynn.layers"
_DISABLE_ENV = "CYNN_DISABLE_PLUGIN_AUTOLOAD"


class PluginError(ImportError):
    """A plugin layer could not be used: its import failed, it is not a Module
    subclass, or its distribution does not support this cynn version."""


class PluginWarning(UserWarning):
    """A plugin layer was found broken or incompatible and is disabled."""


class UnknownLayerError(LookupError):
    """No source provides a layer of this name; the message lists close names."""


class AmbiguousLayerError(LookupError):
    """Two plugins (or a plugin and a registration) claim one name."""


class SpecError(ValueError):
    """A ``cynn.nn.build`` spec is malformed; the message starts with the offending path."""


@dataclasses.dataclass(frozen=True)
class LayerInfo:
    """One layer as :func:`layers` lists it.

    Attributes:
        name (str): the layer's name (without a qualifier).
        origin (str): ``"cynn"``, ``"<distribution> <version>"`` or a module name.
        status (str): ``"builtin"``, ``"registered"``, ``"available"`` (a plugin
            not imported yet), ``"loaded"`` or ``"failed"``.
        error (str or None): why a ``"failed"`` layer failed.
    """

    name: str
    origin: str
    status: str
    error: "str | None" = None

    def __str__(self):
        return f"{self.name} ({self.origin}, {self.status})"


# ---------------------------------------------------------------------- state

# _lock guards the dicts below and is never held while third-party code runs;
# plugin imports are serialised per distribution by _distribution_lock().
_lock = threading.RLock()
_registrations = {}        # name -> _Registration
_plugin_layers = {}        # (dist, version, entry point name, value) -> _PluginLayer
_incompatibility = {}      # (dist, version) -> reason or None
_discovered = (None, [])   # (cache key, [_PluginLayer]); rescanned when sys.path changes
_invalid_entry_points = set()  # (dist, version, entry point name): warned about once
_distribution_locks = {}   # normalized distribution name -> RLock


def _distribution_lock(dist_name):
    """The lock under which ``dist_name``'s plugin modules are imported.

    Re-entrant, because a plugin's module may itself ``get()`` another layer of its
    own distribution while it is being imported.
    """
    with _lock:
        return _distribution_locks.setdefault(_normalize(dist_name), threading.RLock())


@dataclasses.dataclass(frozen=True)
class _Registration:
    cls: type
    override: bool

    @property
    def module(self):
        return self.cls.__module__


class _PluginLayer:
    """One ``cynn.layers`` entry point; its module is imported on the first ``load()``."""

    def __init__(self, entry_point, dist_name, dist_version, incompatibility):
        self.entry_point = entry_point
        self.name = entry_point.name
        self.dist_name = dist_name
        self.origin = f"{dist_name} {dist_version}"
        self.cls = None
        self.exception = None
        self.error = incompatibility
        self.status = "failed" if incompatibility else "available"

    def describe(self):
        return f"{self.origin} (entry point '{self.name} = {self.entry_point.value}')"

    def load(self):
        if self.status == "available":
            with _distribution_lock(self.dist_name):
                if self.status == "available":  # another thread may have imported it meanwhile
                    self._import()
        if self.status == "failed":
            raise PluginError(f"layer {self.name!r} from the plugin distribution "
                              f"{self.describe()} is disabled: {self.error}") from self.exception
        return self.cls

    def _import(self):
        try:
            obj = self.entry_point.load()
        except KeyboardInterrupt:  # the user's own interrupt: not the plugin's failure
            raise
        except BaseException as exc:  # third-party code, even sys.exit(), must stay contained
            self._fail(f"importing it raised {type(exc).__name__}: {exc}", exc)
            return
        if not _is_module_class(obj):
            exc = TypeError(f"{self.entry_point.value} is {_describe_object(obj)}, "
                            f"not a subclass of cynn.nn.Module")
            self._fail(str(exc), exc)
            return
        self.cls, self.status = obj, "loaded"

    def _fail(self, reason, exc):
        self.status, self.error, self.exception = "failed", reason, exc
        _warn(f"cynn plugin layer {self.name!r} from {self.describe()} is disabled: {reason}")


def _describe_object(obj):
    if isinstance(obj, type):
        return f"the class {obj.__module__}.{obj.__qualname__}"
    return f"an object of type {type(obj).__name__}"


def _warn(message):
    """A PluginWarning attributed to the first caller outside cynn, i.e. the user's code."""
    _warnings.warn(message, PluginWarning)


# ---------------------------------------------------------------------- sources

# The built-in layers are cynn.nn's. cynn.nn hands itself over when it is imported
# (_set_builtins) rather than this module importing cynn.nn: cynn.nn imports the registry
# to build specs, and the registry stays below it.
_nn = None


def _set_builtins(nn):
    """Called once by ``cynn.nn`` at the end of its initialisation."""
    global _nn
    _nn = nn


def _is_module_class(obj):
    # Before cynn.nn is imported no class can subclass its Module: defining one imports it.
    return isinstance(obj, type) and _nn is not None and issubclass(obj, _nn.Module)


def _builtin_layers():
    """name -> class for every Module subclass that cynn.nn exports."""
    nn = _nn
    if nn is None:
        return {}
    names = getattr(nn, "__all__", None) or [n for n in dir(nn) if not n.startswith("_")]
    found = {}
    for name in names:
        obj = getattr(nn, name, None)
        if _is_module_class(obj) and obj is not nn.Module:
            found[name] = obj
    return found


def _autoload_disabled():
    return os.environ.get(_DISABLE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _discover():
    """The plugin layers of the installed distributions (metadata only, nothing imported)."""
    global _discovered
    key = (_autoload_disabled(), tuple(sys.path))
    if _discovered[0] == key:
        return _discovered[1]
    found = []
    for dist, dist_name, entry_point in [] if key[0] else _entry_points():
        dist_version = dist.version or "<no version>"
        if not _valid_layer_name(entry_point.name):
            _warn_invalid_entry_point(dist_name, dist_version, entry_point)
            continue
        ident = (dist_name, dist_version, entry_point.name, entry_point.value)
        if ident not in _plugin_layers:
            _plugin_layers[ident] = _PluginLayer(
                entry_point, dist_name, dist_version,
                _check_compatibility(dist, dist_name, dist_version))
        found.append(_plugin_layers[ident])
    _discovered = (key, found)
    return found


def _valid_layer_name(name):
    # get() splits qualified names at the last ':', so a name containing one is unreachable.
    return bool(name) and ":" not in name


def _warn_invalid_entry_point(dist_name, dist_version, entry_point):
    ident = (dist_name, dist_version, entry_point.name)
    if ident in _invalid_entry_points:
        return
    _invalid_entry_points.add(ident)
    _warn(f"cynn plugin distribution {dist_name} {dist_version} declares the entry point "
          f"'{entry_point.name} = {entry_point.value}' in the {ENTRY_POINT_GROUP!r} group, "
          f"but {entry_point.name!r} is not a valid layer name (it must be non-empty and "
          f"contain no ':'), so it is not offered")


def _entry_points():
    """(distribution, its name, entry point) for every ``cynn.layers`` entry point.

    One distribution at a time, so that malformed metadata hides only its own layers.
    """
    seen = set()
    for dist in importlib.metadata.distributions():
        try:
            entry_points = list(dist.entry_points.select(group=ENTRY_POINT_GROUP))
            if not entry_points:
                continue
            name = dist.metadata["Name"] or "<unnamed>"  # METADATA is parsed for plugins only
        except Exception as exc:  # third-party metadata: contain whatever it raises
            _warn(f"cynn could not read the entry points of the installed distribution "
                  f"{_distribution_name(dist)}, so its plugin layers are not available: "
                  f"{type(exc).__name__}: {exc}")
            continue
        if _normalize(name) not in seen:  # else shadowed by an earlier sys.path entry
            seen.add(_normalize(name))
            for entry_point in entry_points:
                yield dist, name, entry_point


def _distribution_name(dist):
    try:
        return dist.metadata["Name"] or "<unnamed>"
    except Exception:  # the name is only wanted for a message about broken metadata
        return "<unreadable>"


def _check_compatibility(dist, dist_name, dist_version):
    """Why ``dist`` cannot run with this cynn (from its Requires-Dist on cynn), or None."""
    ident = (dist_name, dist_version)
    if ident not in _incompatibility:
        reason = _incompatibility_reason(dist.requires or [], _cynn_version())
        _incompatibility[ident] = reason
        if reason:
            _warn(f"cynn plugin distribution {dist_name} {dist_version} is incompatible and its "
                  f"layers are disabled: {reason}")
    return _incompatibility[ident]


def _cynn_version():
    import cynn
    version = getattr(cynn, "__version__", None)
    if version:
        return version
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None


# ---------------------------------------------------------------------- claims

@dataclasses.dataclass
class _Claim:
    """One source's claim to a layer name; rank 0 beats 1 beats 2."""

    name: str
    qualifier: str
    rank: int
    cls: "type | None" = None
    plugin: "_PluginLayer | None" = None

    def info(self):
        if self.plugin is not None:
            return LayerInfo(self.name, self.plugin.origin, self.plugin.status, self.plugin.error)
        if self.qualifier == "cynn":
            return LayerInfo(self.name, "cynn", "builtin")
        return LayerInfo(self.name, self.qualifier, "registered")

    def resolve(self):
        return self.plugin.load() if self.plugin is not None else self.cls

    def describe(self):
        if self.plugin is not None:
            return self.plugin.describe()
        if self.qualifier == "cynn":
            return "cynn (built-in)"
        return f"{self.qualifier} (register_layer)"


_RANK_OVERRIDE, _RANK_BUILTIN, _RANK_OTHER = 0, 1, 2


def _all_claims():
    """name -> claims, best rank first, from every source."""
    claims = {}
    for name, cls in _builtin_layers().items():
        claims.setdefault(name, []).append(_Claim(name, "cynn", _RANK_BUILTIN, cls=cls))
    for name, registration in _registrations.items():
        rank = _RANK_OVERRIDE if registration.override else _RANK_OTHER
        claims.setdefault(name, []).append(
            _Claim(name, registration.module, rank, cls=registration.cls))
    for plugin in _discover():
        claims.setdefault(plugin.name, []).append(
            _Claim(plugin.name, plugin.dist_name, _RANK_OTHER, plugin=plugin))
    for name_claims in claims.values():
        name_claims.sort(key=lambda claim: claim.rank)
    return claims


def _winner(claims):
    if len(claims) == 1 or claims[0].rank < claims[1].rank:
        return claims[0]
    return None


def _normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


# ---------------------------------------------------------------------- public API

def layers():
    """Every layer :func:`get` can return, as ``{name: LayerInfo}``.

    Plugins are listed from their metadata without being imported. Built-ins come
    first, then registrations, then plugin layers in discovery order.
    A name claimed by several sources appears bare for the winner and as
    ``"<qualifier>:<name>"`` for every other claim (all of them when no claim
    wins).

    Example::

        >>> import cynn
        >>> print(cynn.registry.layers()["Linear"])
        Linear (cynn, builtin)
    """
    with _lock:
        listed = []
        for name, claims in _all_claims().items():
            winner = _winner(claims)
            for claim in claims:
                key = name if claim is winner else f"{claim.qualifier}:{name}"
                listed.append((key, claim.info()))
        source_order = {"builtin": 0, "registered": 1}
        listed.sort(key=lambda item: source_order.get(item[1].status, 2))  # stable sort
        return dict(listed)


def get(name):
    """The layer class called ``name``, importing its plugin on first request.

    Args:
        name (str): a layer name (``"Conv2d"``, ``"Swish"``) or a qualified one
            (``"cynn:Linear"``, ``"cynn-activations:Swish"``, ``"my_module:Swish"``).

    Returns:
        The ``cynn.nn.Module`` subclass.

    Raises:
        UnknownLayerError: nothing provides ``name`` (the message lists close names).
        AmbiguousLayerError: two plugins or registrations claim ``name``.
        PluginError: the plugin failed to import, is not a Module subclass or does
            not support this cynn version (chained to the original exception).

    Example::

        >>> import cynn
        >>> cynn.registry.get("Linear") is cynn.nn.Linear
        True
    """
    if not isinstance(name, str):
        raise TypeError(f"cynn.registry.get(): argument 'name' must be str, "
                        f"not {type(name).__name__}")
    with _lock:
        claim = _find_claim(name)
    return claim.resolve()  # outside _lock: a plugin import may be slow or get() itself


def _find_claim(name):
    """The claim that ``get(name)`` resolves; raises for unknown or ambiguous names."""
    if ":" in name:
        qualifier, _, bare = name.rpartition(":")
        return _find_qualified_claim(qualifier, bare, name)
    registration = _registrations.get(name)
    if registration is not None and registration.override:
        return _Claim(name, registration.module, _RANK_OVERRIDE, cls=registration.cls)
    builtin = _builtin_layers().get(name)
    if builtin is not None:  # built-ins win without a look at the plugins
        return _Claim(name, "cynn", _RANK_BUILTIN, cls=builtin)
    claims = _all_claims().get(name, [])
    if not claims:
        raise UnknownLayerError(_unknown_message(name))
    if len(claims) > 1:
        choices = " or ".join(repr(f"{claim.qualifier}:{name}") for claim in claims)
        raise AmbiguousLayerError(
            f"layer {name!r} is claimed by several sources: "
            f"{'; '.join(claim.describe() for claim in claims)}. "
            f"Pick one explicitly: {choices}")
    return claims[0]


def _find_qualified_claim(qualifier, bare, name):
    if qualifier == "cynn":
        builtin = _builtin_layers().get(bare)
        if builtin is None:
            raise UnknownLayerError(f"cynn has no built-in layer {bare!r}. "
                                    f"{_suggestions(bare)}")
        return _Claim(bare, "cynn", _RANK_BUILTIN, cls=builtin)
    claims = [claim for claim in _all_claims().get(bare, [])
              if _normalize(claim.qualifier) == _normalize(qualifier)]
    if not claims:
        raise UnknownLayerError(_unknown_message(name))
    return claims[0]


def _unknown_message(name):
    qualifier, _, bare = name.rpartition(":")
    providers = [claim.describe() for claim in _all_claims().get(bare, [])]
    if providers and qualifier:
        return (f"unknown layer {name!r}: {bare!r} is provided by {'; '.join(providers)}, "
                f"but not by {qualifier!r}")
    return f"unknown layer {name!r}. {_suggestions(name)}"


def _suggestions(name):
    names = list(layers())
    close = [n for n in names if n.lower() == name.lower()]
    close += [n for n in difflib.get_close_matches(name, names, n=5, cutoff=0.6) if n not in close]
    if close:
        return f"Did you mean: {', '.join(close)}? (cynn.registry.layers() lists all {len(names)})"
    return f"Available layers: {', '.join(names)}"


def register_layer(name, *, override=False):
    """Class decorator: make a Module subclass available as the layer ``name``.

    Args:
        name (str): the layer name, without ``":"``.
        override (bool): replace a built-in layer or another registration of this
            name, in this process only. Without it a taken name raises ValueError
            (re-running the same class definition, e.g. in a notebook, is allowed).

    Returns:
        The decorator, which returns the class unchanged.

    Example::

        >>> import cynn
        >>> @cynn.registry.register_layer("Swish")
        ... class Swish(cynn.nn.Module):
        ...     def forward(self, x):
        ...         return x * cynn.sigmoid(x)
        >>> cynn.nn.build({"type": "Swish"})
        Swish()
    """
    if not isinstance(name, str):
        raise TypeError("register_layer() takes the layer name first: "
                        "use @register_layer('Name'), not a bare @register_layer")
    if not name or ":" in name:
        raise ValueError(f"register_layer(): invalid layer name {name!r} "
                         f"(it must be non-empty and contain no ':')")

    def decorator(cls):
        if not _is_module_class(cls):
            raise TypeError(f"register_layer({name!r}): {_describe_object(cls)} is not a "
                            f"subclass of cynn.nn.Module")
        with _lock:
            if not override:
                _check_name_free(name, cls)
            _registrations[name] = _Registration(cls, override)
        return cls

    return decorator


def _check_name_free(name, cls):
    builtin = _builtin_layers().get(name)
    if builtin is not None:
        raise ValueError(f"register_layer({name!r}): the name belongs to the built-in "
                         f"cynn.nn.{name}; pass override=True to replace it in this process")
    previous = _registrations.get(name)
    if previous is not None and (previous.cls.__module__, previous.cls.__qualname__) != (
            cls.__module__, cls.__qualname__):
        raise ValueError(f"register_layer({name!r}): the name is already registered by "
                         f"{previous.module}.{previous.cls.__qualname__}; pass override=True "
                         f"to replace it")


# ---------------------------------------------------------------------- versions
# A plugin's Requires-Dist lines are read with `packaging`, as pip reads them.

def _version_matches(version_text, specifier):
    """Whether ``version_text`` satisfies a specifier such as ``">=0.1,<0.2"``.

    Pre-releases count: a plugin built for ``>=0.1`` runs on a cynn ``0.2rc1``.
    Raises ValueError (packaging's ``InvalidSpecifier``) for a malformed specifier.
    """
    return SpecifierSet(specifier).contains(version_text, prereleases=True)


_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?([^;]*)")


def _unreadable(line, error):
    """Why ``line`` is not a valid requirement, or None when it is not one on cynn.

    packaging reports a bad specifier as a parse error after the name ("Expected
    semicolon ..."); parsing the specifier alone names the actual problem instead.
    """
    match = _NAME.match(line)
    if match is None or canonicalize_name(match[1]) != canonicalize_name(DISTRIBUTION):
        return None
    specifier = match[2].strip()
    if specifier.startswith("(") and specifier.endswith(")"):
        specifier = specifier[1:-1]
    try:
        SpecifierSet(specifier)
    except InvalidSpecifier as exc:
        return str(exc)
    return str(error).splitlines()[0]


def _incompatibility_reason(requirements, cynn_version):
    """Why a distribution with these Requires-Dist lines cannot run with cynn_version, or None.

    Requirements behind an ``extra`` marker are optional and skipped; other markers
    are assumed to hold. An unknown cynn version (not installed, no __version__)
    cannot be checked and passes.
    """
    if cynn_version is None:
        return None
    for line in requirements:
        try:
            requirement = Requirement(line)
        except InvalidRequirement as exc:
            problem = _unreadable(line, exc)
            if problem is not None:
                return f"cannot read its requirement {line.strip()!r}: {problem}"
            continue
        if canonicalize_name(requirement.name) != canonicalize_name(DISTRIBUTION):
            continue
        marker = str(requirement.marker or "")
        if requirement.url or re.search(r"\bextra\b", marker):
            continue
        if not requirement.specifier.contains(cynn_version, prereleases=True):
            return f"it requires {line.strip()!r}, but this is cynn {cynn_version}"
    return None
