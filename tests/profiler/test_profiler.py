"""cynn.profiler against torch.profiler: names, schedule actions, the state machine's
callbacks, table layout, key averages, Chrome traces; event names and nesting of
cynn's own ops."""
import gzip
import itertools
import json
import os
import re
import warnings

import pytest
import torch
import torch.profiler as tp

import cynn
import cynn.profiler as cp
from cynn import nn
from cynn.profiler import ProfilerAction, ProfilerActivity, profile, record_function


def lenet():
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(6 * 12 * 12, 10))


def step(model, x, y):
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    return loss


def names(events):
    return [e.name for e in events]


# -- the namespace -------------------------------------------------------------------
def test_all_matches_torch():
    assert sorted(cp.__all__) == sorted(tp.__all__)
    for name in cp.__all__:
        assert hasattr(cp, name)
    assert cp.kineto_available() is False
    assert cp.supported_activities() == {ProfilerActivity.CPU}
    assert str(ProfilerActivity.CPU) == str(tp.ProfilerActivity.CPU)
    assert {k: int(v) for k, v in ProfilerActivity.__members__.items()} == \
        {k: int(v) for k, v in tp.ProfilerActivity.__members__.items()}
    assert [a.name for a in ProfilerAction] == [a.name for a in tp.ProfilerAction]
    assert {k: int(v) for k, v in cp.DeviceType.__members__.items()} == \
        {k: int(v) for k, v in tp.DeviceType.__members__.items()}


# -- ops, names, nesting ------------------------------------------------------------------
def test_records_forward_and_backward_ops_in_order():
    model = lenet()
    x, y = cynn.randn(2, 1, 28, 28), cynn.tensor([1, 2])
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        step(model, x, y)
    assert names(prof.events()) == [
        "aten::convolution", "aten::relu", "aten::max_pool2d", "aten::view", "aten::addmm",
        "aten::log_softmax", "aten::nll_loss",
        "NllLossBackward0", "LogSoftmaxBackward0", "AddmmBackward0", "ViewBackward0",
        "MaxPool2DWithIndicesBackward0", "ReluBackward0", "ConvolutionBackward0"]
    # the backward node's sequence number links it to its forward op, as in torch
    events = {e.name: e for e in prof.events()}
    assert events["aten::addmm"].sequence_nr == events["AddmmBackward0"].sequence_nr >= 0
    for e in prof.events():
        assert e.cpu_time_total >= 0 and e.count == 1 and e.thread > 0
    # timing backward (hooks on the graph nodes) leaves the gradients as they were
    profiled = [p.grad.numpy().copy() for p in model.parameters()]
    model.zero_grad()
    step(model, x, y)
    for g, p in zip(profiled, model.parameters()):
        assert (g == p.grad.numpy()).all()


def test_op_names_follow_the_function_classes():
    from cynn.autograd.functions import linear
    from cynn.profiler._collector import op_name
    assert op_name(linear.Addmm) == "aten::addmm"
    assert op_name(type("MaxPool2d", (), {})) == "aten::max_pool2d"
    assert op_name(type("MSELoss", (), {})) == "aten::mse_loss"
    assert op_name(type("LogSoftmax", (), {})) == "aten::log_softmax"


def test_counts_in_key_averages():
    model = lenet()
    x, y = cynn.randn(2, 1, 28, 28), cynn.tensor([1, 2])
    with profile() as prof:
        for _ in range(3):
            step(model, x, y)
    counts = {a.key: a.count for a in prof.key_averages()}
    assert counts["aten::convolution"] == 3 and counts["ConvolutionBackward0"] == 3
    assert sum(counts.values()) == 3 * 14


def test_record_function_nesting_and_self_time():
    a = cynn.randn(8, 8, requires_grad=True)
    with profile() as prof:
        with record_function("outer"):
            b = a.exp()
            with record_function("inner"):
                c = (b * 2).sum()
        c.backward()
    events = {e.name: e for e in prof.events()}
    outer, inner = events["outer"], events["inner"]
    assert outer.is_user_annotation and not events["aten::exp"].is_user_annotation
    assert events["aten::exp"].cpu_parent is outer
    assert inner.cpu_parent is outer
    assert {e.name for e in inner.cpu_children} == {"aten::mul", "aten::sum"}
    assert events["ExpBackward0"].cpu_parent is None  # backward ran outside the ranges
    for event in (outer, inner):
        children = sum(c.cpu_time_total for c in event.cpu_children)
        assert event.self_cpu_time_total == pytest.approx(event.cpu_time_total - children)
        assert event.start_us <= min(c.start_us for c in event.cpu_children)
        assert event.end_us >= max(c.end_us for c in event.cpu_children)
    averages = {a.key: a for a in prof.key_averages()}
    assert averages["outer"].self_cpu_time_total < averages["outer"].cpu_time_total


def test_record_function_as_decorator_and_outside_a_profile():
    @record_function("my_fn")
    def f(x, depth=0):
        return f(x, depth + 1) if depth < 2 else x.relu()

    assert f(cynn.ones(2)).shape == (2,)  # nothing recording: just runs
    with profile() as prof:
        f(cynn.ones(2))
    mine = [e for e in prof.events() if e.name == "my_fn"]
    assert len(mine) == 3
    assert mine[1].cpu_parent is mine[0] and mine[2].cpu_parent is mine[1]
    assert names(mine[2].cpu_children) == ["aten::relu"]


def test_op_that_raises_does_not_break_the_ranges():
    with profile() as prof:
        with record_function("r"):
            with pytest.raises(RuntimeError):
                cynn.ones(2, 3) @ cynn.ones(2, 3)
            cynn.ones(2).exp()
    events = {e.name: e for e in prof.events()}
    assert events["aten::exp"].cpu_parent is events["r"]


def test_nothing_recorded_after_exit_and_in_other_threads():
    import threading
    with profile() as prof:
        t = threading.Thread(target=lambda: cynn.ones(2).exp())
        t.start()
        t.join()
    x = cynn.ones(2, requires_grad=True)
    y = x.exp().sum()
    y.backward()
    assert len(prof.events()) == 0


# -- shapes and memory ----------------------------------------------------------------------
def test_input_shapes_and_grouping():
    with profile(record_shapes=True) as prof:
        cynn.ones(2, 3).exp()
        cynn.ones(4).exp()
        cynn.ones(2, 3).exp()
    shapes = [e.input_shapes for e in prof.events()]
    assert shapes == [[[2, 3]], [[4]], [[2, 3]]]
    grouped = {(a.key, str(a.input_shapes)): a.count
               for a in prof.key_averages(group_by_input_shape=True)}
    assert grouped == {("aten::exp", "[[2, 3]]"): 2, ("aten::exp", "[[4]]"): 1}
    assert [a.count for a in prof.key_averages()] == [3]
    assert prof.key_averages()[0].input_shapes == ""


def test_profile_memory_counts_output_bytes():
    a = cynn.ones(100, 50, requires_grad=True)
    with profile(profile_memory=True) as prof:
        with record_function("block"):
            (a * 2).sum().backward()
    events = {e.name: e for e in prof.events()}
    assert events["aten::mul"].self_cpu_memory_usage == 100 * 50 * 4
    assert events["aten::sum"].self_cpu_memory_usage == 4
    assert events["block"].self_cpu_memory_usage == 0
    assert events["block"].cpu_memory_usage == sum(
        e.self_cpu_memory_usage for e in prof.events() if e.cpu_parent is events["block"])
    assert "CPU Mem" in prof.key_averages().table()


# -- the table --------------------------------------------------------------------------------
def columns(table):
    header = table.splitlines()[1]
    return re.split(r"\s{2,}", header.strip())


def torch_and_cynn_tables(**options):
    group = options.pop("group_by_input_shape", False)
    sort_by = options.pop("sort_by", "cpu_time_total")
    tm = torch.nn.Linear(4, 3)
    with tp.profile(activities=[tp.ProfilerActivity.CPU], **options) as t_prof:
        with tp.record_function("model_inference"):
            tm(torch.ones(2, 4)).relu().sum().backward()
    cm = nn.Linear(4, 3)
    with profile(activities=[ProfilerActivity.CPU], **options) as c_prof:
        with record_function("model_inference"):
            cm(cynn.ones(2, 4)).relu().sum().backward()
    return (t_prof.key_averages(group_by_input_shape=group).table(sort_by=sort_by, row_limit=4),
            c_prof.key_averages(group_by_input_shape=group).table(sort_by=sort_by, row_limit=4))


@pytest.mark.parametrize("options", [{}, {"record_shapes": True, "group_by_input_shape": True},
                                     {"profile_memory": True},
                                     {"sort_by": "self_cpu_time_total"}])
def test_table_has_torchs_layout(options):
    t_table, c_table = torch_and_cynn_tables(**options)
    assert columns(c_table) == columns(t_table)
    t_lines, c_lines = t_table.splitlines(), c_table.splitlines()
    assert len(c_lines) == len(t_lines)  # separators, header, 4 rows, footer
    assert c_lines[0] == c_lines[2] == c_lines[-2] and set(c_lines[0]) == {"-", " "}
    assert c_lines[-1].startswith("Self CPU time total: ")
    assert t_lines[-1].startswith("Self CPU time total: ")
    # every row as wide as the separator; the name right-aligned like torch's
    assert {len(line) for line in c_lines[1:-1]} == {len(c_lines[0])}
    width = len(c_lines[0].split("  ")[0])
    assert c_lines[3][:width].strip() and c_lines[3][:width] == c_lines[3][:width].rjust(width)


def test_table_sorting_limits_and_time_format():
    with profile() as prof:
        for n in (10, 200, 50):
            cynn.ones(n, n).exp()
            cynn.ones(n, n).relu()
    averages = prof.key_averages()
    table = averages.table(sort_by="cpu_time_total", row_limit=1)
    rows = table.splitlines()[3:-2]
    assert len(rows) == 1
    top = max(averages, key=lambda a: a.cpu_time_total)
    assert rows[0].split()[0] == top.key
    for cell in rows[0].split()[1:-1]:
        assert re.fullmatch(r"\d+\.\d{2}%|\d+\.\d{3}(us|ms|s)", cell), cell
    assert re.search(r"\d+\.\d{3}us", averages.table(time_unit="us"))
    assert averages.table(sort_by="count").splitlines()[3].split()[-1] == "3"


# -- schedule and the state machine -------------------------------------------------------------
SCHEDULES = [dict(wait=w, warmup=u, active=a, repeat=r, skip_first=s, skip_first_wait=k)
             for w, u, a, r, s, k in itertools.product([0, 1, 2], [0, 1], [1, 3], [0, 2],
                                                       [0, 2], [0, 1])]


@pytest.mark.parametrize("args", SCHEDULES, ids=lambda a: "-".join(map(str, a.values())))
def test_schedule_actions_equal_torch(args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mine, theirs = cp.schedule(**args), tp.schedule(**args)
    assert [mine(i).name for i in range(30)] == [theirs(i).name for i in range(30)]


def test_schedule_errors_and_warning_equal_torch():
    for bad in (dict(wait=-1, warmup=1, active=1), dict(wait=0, warmup=1, active=0)):
        with pytest.raises(AssertionError) as expected:
            tp.schedule(**bad)
        with pytest.raises(AssertionError, match=re.escape(str(expected.value))):
            cp.schedule(**bad)
    with pytest.warns(UserWarning, match="Profiler won't be using warmup"):
        cp.schedule(wait=1, warmup=0, active=1)
    with pytest.raises(AssertionError, match="Step must be non-negative"):
        cp.schedule(wait=1, warmup=1, active=1)(-1)


def run_schedule(module, make_input, n_steps, **schedule_args):
    """Steps at which on_trace_ready ran, and the ProfilerStep ranges of each trace."""
    prof_mod = tp if module is torch else cp
    seen = []

    def ready(prof):
        steps = [e for e in prof.events() if e.name == "ProfilerStep*"]
        seen.append((prof.step_num, len(steps), "aten::exp" in names(prof.events())))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with prof_mod.profile(schedule=prof_mod.schedule(**schedule_args),
                              on_trace_ready=ready) as prof:
            for _ in range(n_steps):
                make_input().exp()
                prof.step()
    return seen


@pytest.mark.parametrize("args, n", [(dict(wait=1, warmup=1, active=2), 9),
                                     (dict(wait=1, warmup=1, active=2, repeat=1), 9),
                                     (dict(wait=0, warmup=0, active=1, skip_first=2), 5),
                                     (dict(wait=2, warmup=1, active=3), 5)])
def test_on_trace_ready_when_torch_calls_it(args, n):
    assert run_schedule(cynn, lambda: cynn.ones(2), n, **args) == \
        run_schedule(torch, lambda: torch.ones(2), n, **args)


@pytest.mark.parametrize("n", [3, 4])
def test_events_come_from_the_last_cycle(n):
    def run(prof_mod, ones):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with prof_mod.profile(schedule=prof_mod.schedule(wait=0, warmup=1, active=1)) as p:
                for i in range(n):
                    ones(2).exp()
                    p.step()
        kept = {"ProfilerStep*", "aten::exp"}
        return [e.name for e in p.events() if e.name in kept], p.events()

    mine, events = run(cp, cynn.ones)
    assert mine == run(tp, torch.ones)[0]
    if n == 3:  # stopped while recording step 3: that step's range only
        assert mine == ["ProfilerStep*"] and events[0].trace_name == "ProfilerStep#3"
    else:       # stopped in a warmup: an empty trace replaced the last cycle
        assert mine == []


# -- traces ------------------------------------------------------------------------------------
def test_chrome_trace_is_valid_json(tmp_path):
    with profile(record_shapes=True) as prof:
        with record_function("model_inference"):
            step(lenet(), cynn.randn(1, 1, 28, 28), cynn.tensor([3]))
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    spans = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert len(spans) == len(prof.events())
    assert {e["name"] for e in spans} == {e.name for e in prof.events()}
    for e in spans:
        assert isinstance(e["ts"], (int, float)) and e["dur"] >= 0
        assert e["cat"] in ("cpu_op", "user_annotation") and e["pid"] == os.getpid()
    conv = next(e for e in spans if e["name"] == "aten::convolution")
    assert conv["args"]["Input Dims"][:2] == [[1, 1, 28, 28], [6, 1, 5, 5]]
    outer = next(e for e in spans if e["name"] == "model_inference")
    assert outer["ts"] <= conv["ts"] and conv["ts"] + conv["dur"] <= outer["ts"] + outer["dur"] + 1e-3

    prof.export_chrome_trace(str(tmp_path / "trace.json.gz"))
    with gzip.open(tmp_path / "trace.json.gz", "rt") as f:
        assert len(json.load(f)["traceEvents"]) == len(trace["traceEvents"])


def test_tensorboard_trace_handler(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with profile(schedule=cp.schedule(wait=0, warmup=0, active=1, repeat=2),
                     on_trace_ready=cp.tensorboard_trace_handler(str(tmp_path / "tb"), "w0")
                     ) as prof:
            for _ in range(3):
                cynn.ones(3).relu()
                prof.step()
    files = sorted(os.listdir(tmp_path / "tb"))
    assert len(files) == 2 and all(re.fullmatch(r"w0\.\d+\.pt\.trace\.json", f) for f in files)
    for f in files:
        events = json.loads((tmp_path / "tb" / f).read_text())["traceEvents"]
        assert "aten::relu" in {e["name"] for e in events}


def test_execution_trace_observer(tmp_path):
    path = tmp_path / "et.json"
    et = cp.ExecutionTraceObserver().register_callback(str(path))
    assert et.is_registered and not et.is_running() and et.get_output_file_path() == str(path)
    with profile(execution_trace_observer=et):
        with record_function("block"):
            cynn.ones(2, 2).exp()
    et.unregister_callback()
    nodes = json.loads(path.read_text())["nodes"]
    by_name = {n["name"]: n for n in nodes}
    assert by_name["aten::exp"]["inputs"]["shapes"] == [[2, 2]]
    assert by_name["aten::exp"]["ctrl_deps"] == by_name["block"]["id"]


# -- torch.autograd.profiler ----------------------------------------------------------------
def test_legacy_profile():
    from cynn.profiler._legacy import profile as legacy
    with legacy(record_shapes=True) as prof:
        with record_function("block"):
            cynn.ones(2, 3, requires_grad=True).exp().sum().backward()
    assert names(prof.function_events) == ["block", "aten::exp", "aten::sum", "SumBackward0",
                                           "ExpBackward0"]
    assert columns(prof.table()) == columns(
        prof.key_averages(group_by_input_shape=True).table())
    assert prof.total_average().count == 5
    assert prof.self_cpu_time_total == pytest.approx(
        sum(e.self_cpu_time_total for e in prof.function_events))
    with pytest.raises(RuntimeError, match="not reentrant"):
        with prof:
            pass
    disabled = legacy(enabled=False)
    with disabled as bound:
        cynn.ones(2).exp()
    assert bound is None and disabled.function_events is None
    with pytest.raises(RuntimeError, match="Profiler didn't finish running"):
        disabled.key_averages()


def test_autograd_profiler_aliases():
    import cynn.autograd.profiler as ap
    from cynn.profiler._legacy import profile as legacy
    assert ap.profile is legacy and ap.record_function is record_function
