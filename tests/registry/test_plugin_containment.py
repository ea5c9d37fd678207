"""Plugins that exit, block or misname themselves: contained, never waited on, warned about."""
import os
import subprocess
import sys
import threading
import time
import types
import warnings

import pytest

from cynn import registry
from cynn.registry import PluginError, PluginWarning, UnknownLayerError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---------------------------------------------------------------------- BaseException at import

@pytest.mark.parametrize("body, exc_name, detail", [
    ("import sys\nsys.exit(3)\n", "SystemExit", "3"),
    ("raise SystemExit('bye')\n", "SystemExit", "bye"),
    ("raise GeneratorExit('odd')\n", "GeneratorExit", "odd"),
    ("class Custom(BaseException):\n    pass\nraise Custom('base')\n", "Custom", "base"),
])
def test_base_exception_at_import_becomes_plugin_error(body, exc_name, detail, make_plugin,
                                                       unique):
    module = unique("exits")
    make_plugin("cynn-exits", {"FakeSwish": f"{module}:FakeSwish"}, {module: body})
    with pytest.warns(PluginWarning, match=rf"'FakeSwish' from cynn-exits 0.1.*{exc_name}"):
        with pytest.raises(PluginError) as excinfo:
            registry.get("FakeSwish")
    message = str(excinfo.value)
    assert "cynn-exits 0.1" in message and f"'FakeSwish = {module}:FakeSwish'" in message
    assert exc_name in message and detail in message
    assert type(excinfo.value.__cause__).__name__ == exc_name
    info = registry.layers()["FakeSwish"]
    assert info.status == "failed" and exc_name in info.error


def test_keyboard_interrupt_at_import_propagates_and_is_not_cached(make_plugin, unique,
                                                                   tmp_path):
    module = unique("interrupted")
    flag = tmp_path / "interrupt"
    flag.write_text("")
    source = f"""
        import os
        import cynn.nn
        if os.path.exists({str(flag)!r}):
            raise KeyboardInterrupt

        class FakeSwish(cynn.nn.Module):
            pass
    """
    make_plugin("cynn-interrupted", {"FakeSwish": f"{module}:FakeSwish"}, {module: source})
    with pytest.raises(KeyboardInterrupt):
        registry.get("FakeSwish")
    assert registry.layers()["FakeSwish"].status == "available"
    flag.unlink()
    assert registry.get("FakeSwish").__name__ == "FakeSwish"  # the next request imports it


def test_cli_plugins_load_reports_a_plugin_that_calls_sys_exit(make_plugin, unique):
    module = unique("exits_cli")
    site = make_plugin("cynn-exits", {"ExitLayer": f"{module}:ExitLayer"},
                       {module: "import sys\nsys.exit(7)\n"})
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), ROOT]))
    env.pop("CYNN_DISABLE_PLUGIN_AUTOLOAD", None)
    result = subprocess.run([sys.executable, "-m", "cynn", "plugins", "--load"],
                            capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
    assert result.returncode not in (0, 7), result.stderr  # "failures found", not the plugin's 7
    line = next(line for line in result.stdout.splitlines() if "ExitLayer" in line)
    assert "cynn-exits 0.1, failed" in line and "SystemExit: 7" in line


# ---------------------------------------------------------------------- locking

def _gate(unique):
    """A module the fake plugin imports to say it started and to wait until released."""
    name = unique("gate")
    gate = types.ModuleType(name)
    gate.started, gate.release, gate.imports = threading.Event(), threading.Event(), []
    sys.modules[name] = gate
    return name, gate


PLUGIN_DELAY = 5.0  # how long the slow plugin blocks if nobody releases it


def _slow_plugin(make_plugin, unique, gate_name, dist="cynn-slow"):
    module = unique("slow")
    source = f"""
        import {gate_name} as gate
        import cynn.nn
        gate.imports.append(1)
        gate.started.set()
        gate.release.wait({PLUGIN_DELAY})

        class SlowLayer(cynn.nn.Module):
            pass
    """
    make_plugin(dist, {"SlowLayer": f"{module}:SlowLayer"}, {module: source})
    return module


def test_builtins_and_other_plugins_do_not_wait_for_a_slow_plugin_import(
        make_plugin, unique, swish_source, nn_layers):
    gate_name, gate = _gate(unique)
    _slow_plugin(make_plugin, unique, gate_name)
    fast_module = unique("fast")
    make_plugin("cynn-fast", {"FakeSwish": f"{fast_module}:FakeSwish"},
                {fast_module: swish_source})
    registry.layers()  # discovery done up front: the timings below are lookups only
    results = {}
    worker = threading.Thread(target=lambda: results.setdefault("slow", registry.get("SlowLayer")))
    worker.start()
    try:
        assert gate.started.wait(PLUGIN_DELAY), "the slow plugin's import never started"
        begin = time.perf_counter()
        assert registry.get("Linear") is nn_layers.Linear
        assert registry.get("cynn:Conv2d") is nn_layers.Conv2d
        builtin_seconds = time.perf_counter() - begin
        begin = time.perf_counter()
        assert registry.get("FakeSwish").__name__ == "FakeSwish"
        assert "SlowLayer" in registry.layers()
        other_seconds = time.perf_counter() - begin
        assert worker.is_alive()  # the slow import really was in progress all along
    finally:
        gate.release.set()
        worker.join(PLUGIN_DELAY * 2)
        sys.modules.pop(gate_name, None)
    assert builtin_seconds < PLUGIN_DELAY / 10 and other_seconds < PLUGIN_DELAY / 10
    assert results["slow"].__name__ == "SlowLayer"


def test_threads_racing_for_one_plugin_import_it_once(make_plugin, unique):
    gate_name, gate = _gate(unique)
    _slow_plugin(make_plugin, unique, gate_name)
    registry.layers()
    results = []
    workers = [threading.Thread(target=lambda: results.append(registry.get("SlowLayer")))
               for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        assert gate.started.wait(PLUGIN_DELAY)
        time.sleep(0.2)  # let the other threads reach the distribution's lock
    finally:
        gate.release.set()
        for worker in workers:
            worker.join(PLUGIN_DELAY * 2)
        sys.modules.pop(gate_name, None)
    assert len(results) == 4 and len(set(results)) == 1
    assert gate.imports == [1]


def test_plugin_may_get_another_layer_of_its_own_distribution_while_importing(
        make_plugin, unique, swish_source):
    base, derived = unique("base"), unique("derived")
    derived_source = f"""
        from cynn import registry
        Base = registry.get("FakeSwish")

        class Derived(Base):
            pass
    """
    make_plugin("cynn-family", {"FakeSwish": f"{base}:FakeSwish", "Derived": f"{derived}:Derived"},
                {base: swish_source, derived: derived_source})
    cls = registry.get("Derived")
    assert cls.__mro__[1] is registry.get("FakeSwish")


# ---------------------------------------------------------------------- invalid entry-point names

def test_entry_point_names_that_get_cannot_reach_are_warned_about_and_not_offered(
        make_plugin, unique, swish_source):
    module = unique("badnames")
    site = make_plugin("cynn-badnames", {"FakeSwish": f"{module}:FakeSwish"},
                       {module: swish_source})
    (next(site.glob("*.dist-info")) / "entry_points.txt").write_text(
        f"[cynn.layers]\nFakeSwish = {module}:FakeSwish\nBad:Name = {module}:FakeSwish\n"
        f" = {module}:FakeSwish\n")
    with pytest.warns(PluginWarning) as caught:
        listed = registry.layers()
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2
    assert any("'Bad:Name' is not a valid layer name" in m and "cynn-badnames 0.1" in m
               for m in messages)
    assert any("'' is not a valid layer name" in m for m in messages)
    assert all(w.filename == __file__ for w in caught)  # points at the caller of layers()
    assert "FakeSwish" in listed
    assert not any("Bad" in key for key in listed) and "" not in listed
    assert not any(key.endswith(":") for key in listed)
    with pytest.raises(UnknownLayerError):
        registry.get("Bad:Name")
    with pytest.raises(UnknownLayerError):
        registry.get("cynn-badnames:Bad:Name")
    with warnings.catch_warnings():
        warnings.simplefilter("error", PluginWarning)
        registry.layers()  # warned once, not on every listing
    assert registry.get("cynn-badnames:FakeSwish").__name__ == "FakeSwish"
