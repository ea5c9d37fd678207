"""``python -m cynn.as_torch script.py`` and ``cynn.as_torch.install()``: ``torch`` and its
submodules resolve to cynn's, and the script runs as ``python script.py`` would run it.

Scripts are written to ``tmp_path`` and run in a fresh interpreter: the alias changes
``sys.modules`` and ``sys.meta_path`` of the process it is installed in, and this test
process has the real torch imported (it is the oracle of other tests).
"""
import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest

from cynn._torch_alias import AliasFinder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCH_INSTALLED = importlib.util.find_spec("torch") is not None


def _env():
    return dict(os.environ, PYTHONPATH=ROOT, CYNN_DISABLE_PLUGIN_AUTOLOAD="1")


def _write(path, source):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def _python(*args, cwd):
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=_env(), timeout=240)


def _as_torch(*args, cwd):
    return _python("-m", "cynn.as_torch", *args, cwd=cwd)


def _json_lines(out):
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_torch_and_its_submodules_are_cynn_modules(tmp_path):
    script = _write(tmp_path / "names.py", """
        import json, sys
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.utils.data import DataLoader
        import torch.optim as optim
        from torch.optim.lr_scheduler import StepLR
        import torch.multiprocessing as mp
        from torch import nn as nn_from
        import cynn, cynn.nn.functional, cynn.multiprocessing
        print(json.dumps({
            "torch": torch.__name__, "nn": nn.__name__, "F": F.__name__, "optim": optim.__name__,
            "mp": mp.__name__, "DataLoader": DataLoader.__module__, "StepLR": StepLR.__module__,
            "same_objects": [torch is cynn, F is cynn.nn.functional, mp is cynn.multiprocessing,
                             nn_from is nn, sys.modules["torch.nn"] is cynn.nn,
                             torch.nn.Linear is cynn.nn.Linear],
            "torch_file_in_cynn": torch.__file__ == cynn.__file__,
        }))
        """)
    found = _json_lines(_as_torch(script, cwd=tmp_path))
    assert found["torch"] == "cynn"
    assert found["nn"] == "cynn.nn"
    assert found["F"] == "cynn.nn.functional"
    assert found["optim"] == "cynn.optim"
    assert found["mp"] == "cynn.multiprocessing"
    assert found["DataLoader"].startswith("cynn.utils.data")
    assert found["StepLR"].startswith("cynn.optim.lr_scheduler")
    assert all(found["same_objects"]), found["same_objects"]
    assert found["torch_file_in_cynn"]


_REPORT_HOW_IT_RUNS = """
    import json, os, sys
    import helper_next_to_script
    print(json.dumps({"argv": sys.argv, "name": __name__, "path0": sys.path[0],
                      "file": __file__, "helper": helper_next_to_script.VALUE,
                      "cwd_on_path": os.getcwd() in sys.path}))
    """


def test_script_sees_what_python_script_py_gives_it(tmp_path):
    # argv, __name__, __file__ and sys.path[0] as `python script.py args` sets them; the
    # script's directory (not the working directory) is where its own modules are found
    scripts, elsewhere = tmp_path / "scripts", tmp_path / "elsewhere"
    elsewhere.mkdir()
    _write(scripts / "helper_next_to_script.py", "VALUE = 'found'\n")
    script = _write(scripts / "report.py", _REPORT_HOW_IT_RUNS)
    args = (os.path.relpath(script, elsewhere), "--epochs", "1", "positional")
    under_cynn = _json_lines(_as_torch(*args, cwd=elsewhere))
    under_python = _json_lines(_python(*args, cwd=elsewhere))
    assert under_cynn == under_python
    assert under_cynn["argv"] == list(args)
    assert under_cynn["helper"] == "found"


def test_module_mode_sees_what_python_m_gives_it(tmp_path):
    _write(tmp_path / "pkg" / "__init__.py", "")
    _write(tmp_path / "helper_next_to_script.py", "VALUE = 'found'\n")
    _write(tmp_path / "pkg" / "report.py", _REPORT_HOW_IT_RUNS)
    under_cynn = _json_lines(_as_torch("-m", "pkg.report", "x", cwd=tmp_path))
    under_python = _json_lines(_python("-m", "pkg.report", "x", cwd=tmp_path))
    assert under_cynn == under_python
    assert under_cynn["argv"][1:] == ["x"]


@pytest.mark.parametrize("body", [
    "def divide(x):\n    return 1 / x\n\ndivide(0)\n",
    "raise ValueError('bad value')\n",
    "try:\n    {}['key']\nexcept KeyError as e:\n    raise RuntimeError('wrapped') from e\n",
    "import sys\nsys.exit(3)\n",
    "import sys\nsys.exit('stopped early')\n",
    "print('ran to the end')\n",
    "x = (\n",
    "import sys\nprint(sorted(name for name in vars(sys.modules['__main__']) if name.startswith('__')))\n",
])
def test_exit_status_and_traceback_are_pythons(tmp_path, body):
    script = _write(tmp_path / "script.py", body)
    under_cynn = _as_torch(script.name, cwd=tmp_path)
    under_python = _python(script.name, cwd=tmp_path)
    assert under_cynn.returncode == under_python.returncode
    assert under_cynn.stdout == under_python.stdout
    assert under_cynn.stderr == under_python.stderr


def test_a_torch_submodule_cynn_lacks_names_both(tmp_path):
    script = _write(tmp_path / "fx.py", """
        import json
        try:
            import torch.fx
        except ModuleNotFoundError as error:
            print(json.dumps({"name": error.name, "message": str(error)}))
        """)
    found = _json_lines(_as_torch(script, cwd=tmp_path))
    assert found["name"] == "torch.fx"
    assert "'torch.fx'" in found["message"] and "'cynn.fx'" in found["message"]


def test_an_import_error_inside_the_target_comes_through(tmp_path, monkeypatch):
    # a missing dependency of an existing module must not read as a missing submodule
    _write(tmp_path / "alias_target_pkg" / "__init__.py", "")
    _write(tmp_path / "alias_target_pkg" / "present.py", "VALUE = 1\n")
    _write(tmp_path / "alias_target_pkg" / "needs_dependency.py", "import dependency_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    finder = AliasFinder("alias_name_pkg", "alias_target_pkg")
    monkeypatch.setattr(sys, "meta_path", [finder] + sys.meta_path)
    try:
        import alias_name_pkg.present
        assert alias_name_pkg.present is sys.modules["alias_target_pkg.present"]
        with pytest.raises(ModuleNotFoundError) as missing_dependency:
            import alias_name_pkg.needs_dependency  # noqa: F401
        assert missing_dependency.value.name == "dependency_not_installed"
        with pytest.raises(ModuleNotFoundError, match="alias_target_pkg.absent") as absent:
            import alias_name_pkg.absent  # noqa: F401
        assert absent.value.name == "alias_name_pkg.absent"
    finally:
        for name in [n for n in sys.modules if n.startswith(("alias_name_pkg", "alias_target_pkg"))]:
            del sys.modules[name]


@pytest.mark.skipif(not TORCH_INSTALLED, reason="needs the real torch to import it first")
def test_install_refuses_once_the_real_torch_is_imported(tmp_path):
    script = _write(tmp_path / "late.py", """
        import json
        import torch
        import cynn.as_torch
        try:
            cynn.as_torch.install()
        except RuntimeError as error:
            print(json.dumps({"message": str(error), "version": torch.__version__,
                              "installed": cynn.as_torch.is_installed()}))
        """)
    found = _json_lines(_python(script, cwd=tmp_path))
    assert "already imported" in found["message"]
    assert found["version"] in found["message"]
    assert not found["installed"]


@pytest.mark.skipif(not TORCH_INSTALLED, reason="needs the real torch to come back after uninstall")
def test_install_and_uninstall_in_one_process(tmp_path):
    script = _write(tmp_path / "notebook.py", """
        import json, sys
        import cynn, cynn.as_torch
        cynn.as_torch.install()
        cynn.as_torch.install()  # a second call changes nothing
        import torch.nn.functional
        import torch
        aliased = [torch is cynn, torch.nn.functional is cynn.nn.functional,
                   sys.meta_path.count(sys.meta_path[0]) == 1]
        cynn.as_torch.uninstall()
        left = sorted(name for name in sys.modules if name.split(".")[0] == "torch")
        del torch
        import torch
        real = torch.__name__ == "torch" and torch.nn.functional is not cynn.nn.functional
        try:
            cynn.as_torch.install()
            refused = False
        except RuntimeError:
            refused = True
        print(json.dumps({"aliased": aliased, "left": left, "real": real, "refused": refused}))
        """)
    found = _json_lines(_python(script, cwd=tmp_path))
    assert all(found["aliased"]), found["aliased"]
    assert found["left"] == []
    assert found["real"]
    assert found["refused"]


@pytest.mark.parametrize("start_method", ["spawn", "forkserver", "fork"])
def test_child_processes_import_cynn_as_torch(tmp_path, start_method):
    # spawn/forkserver children run the script's top level again, `import torch` included
    script = _write(tmp_path / "children.py", f"""
        import json
        import torch
        import torch.multiprocessing as mp

        def child(queue, shared):
            shared.add_(1.0)
            queue.put(torch.__name__)

        if __name__ == "__main__":
            context = mp.get_context({start_method!r})
            shared = torch.zeros(3).share_memory_()
            queue = context.Queue()
            process = context.Process(target=child, args=(queue, shared))
            process.start()
            name = queue.get(timeout=120)
            process.join()
            print(json.dumps({{"child": name, "exitcode": process.exitcode,
                               "shared": shared.tolist()}}))
        """)
    found = _json_lines(_as_torch(script, cwd=tmp_path))
    assert found == {"child": "cynn", "exitcode": 0, "shared": [1.0, 1.0, 1.0]}


def test_a_pytorch_training_script_runs_unchanged(tmp_path):
    script = _write(tmp_path / "train.py", """
        import argparse, json
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.optim as optim
        from torch.optim.lr_scheduler import StepLR
        from torch.utils.data import DataLoader, TensorDataset

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(4, 16)
                self.fc2 = nn.Linear(16, 3)

            def forward(self, x):
                return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)

        def main():
            parser = argparse.ArgumentParser()
            parser.add_argument("--epochs", type=int, default=1)
            parser.add_argument("--save-to")
            args = parser.parse_args()
            torch.manual_seed(1)
            x = torch.randn(96, 4)
            y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
            loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
            model = Net()
            optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
            scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
            losses = []
            for _ in range(args.epochs):
                for data, target in loader:
                    optimizer.zero_grad()
                    loss = F.nll_loss(model(data), target)
                    loss.backward()
                    optimizer.step()
                    losses.append(loss.item())
                scheduler.step()
            torch.save(model.state_dict(), args.save_to)
            reloaded = Net()
            reloaded.load_state_dict(torch.load(args.save_to))
            with torch.no_grad():
                same = torch.equal(reloaded(x), model(x))
            print(json.dumps({"first": losses[0], "last": losses[-1], "reloaded_same": same,
                              "lr": optimizer.param_groups[0]["lr"]}))

        if __name__ == "__main__":
            main()
        """)
    found = _json_lines(_as_torch(script, "--epochs", "4", "--save-to", tmp_path / "net.pt",
                                  cwd=tmp_path))
    assert found["last"] < found["first"]
    assert found["reloaded_same"]
    assert found["lr"] == pytest.approx(0.1 * 0.7 ** 4)


def test_usage_and_a_missing_script(tmp_path):
    usage = _as_torch(cwd=tmp_path)
    assert usage.returncode == 2
    assert "usage: python -m cynn.as_torch script.py" in usage.stderr
    asked = _as_torch("--help", cwd=tmp_path)
    assert asked.returncode == 0
    assert asked.stdout.startswith("usage: python -m cynn.as_torch script.py")
    missing_cynn = _as_torch("no_such_script.py", cwd=tmp_path)
    missing_python = _python("no_such_script.py", cwd=tmp_path)
    assert missing_cynn.returncode == missing_python.returncode == 2
    assert missing_cynn.stderr == missing_python.stderr
