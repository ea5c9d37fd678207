"""GradientLogger overhead: a LeNet SGD training step (3x32x32 input) with and without
a logger attached, in one process, steps interleaved, median of repeats.

Cases: no logger; a logger logging every step (the worst case: statistics of every
parameter on every backward); every 10 steps; every step with module
(activation-gradient) hooks as well. The three models start from identical weights.

    python benchmarks/bench_logger.py [--batch 64] [--repeats 30] [--threads 2]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cynn  # noqa: E402
from cynn import nn  # noqa: E402
from cynn.hooks import GradientLogger  # noqa: E402
from _timing import environment_report, interleaved_medians  # noqa: E402


class LeNet(nn.Module):
    """The tutorials' LeNet, with ReLU and max pooling as modules so that module hooks
    see them (``ReLU`` not in place: full backward hooks forbid that, as in PyTorch)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(120, 84)
        self.relu4 = nn.ReLU()
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        x = self.relu3(self.fc1(x.flatten(1)))
        return self.fc3(self.relu4(self.fc2(x)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=None,
                        help="cynn threads (default: cynn's default)")
    args = parser.parse_args()
    if args.threads:
        cynn.set_num_threads(args.threads)

    cynn.manual_seed(0)
    x = cynn.randn(args.batch, 3, 32, 32)
    y = cynn.randint(0, 10, (args.batch,))
    criterion = nn.CrossEntropyLoss()
    reference = LeNet()
    cases = {"no logger": None, "logger every=1": dict(every=1),
             "logger every=10": dict(every=10),
             "logger every=1 modules=True": dict(every=1, modules=True)}
    runners, loggers = {}, {}
    for name, options in cases.items():
        model = LeNet()
        model.load_state_dict(reference.state_dict())
        optimizer = cynn.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        if options is not None:
            loggers[name] = GradientLogger(model, **options)

        def step(model=model, optimizer=optimizer):
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
        runners[name] = step

    import warnings
    with warnings.catch_warnings():
        # conv1's input does not require grad: PyTorch's (and cynn's) full backward hook
        # says so once; irrelevant to timing
        warnings.simplefilter("ignore", UserWarning)
        medians = interleaved_medians(runners, repeats=args.repeats, warmup=3)
    for logger in loggers.values():
        logger.remove()

    # The statistics alone, without the training step around them: what one logged step
    # adds on top of hook dispatch, measured on this model's real gradients.
    from cynn.hooks.gradient_logger import _l2, _moments
    model = runners["no logger"].__defaults__[0]
    params = [p for p in model.parameters() if p.grad is not None]

    def statistics_only():
        for p in params:
            _moments(p.grad.numpy().reshape(-1))
            _l2(p.detach().numpy())
    stats_seconds = interleaved_medians({"stats": statistics_only}, repeats=args.repeats)["stats"]

    base = medians["no logger"]
    print(f"GradientLogger overhead, LeNet training step (batch {args.batch}, 3x32x32), "
          f"{cynn.get_num_threads()} threads, median of {args.repeats}")
    print(environment_report())
    for name, seconds in medians.items():
        overhead = "" if name == "no logger" else f"   overhead {100 * (seconds / base - 1):+6.1f}%"
        print(f"  {name:<30} {seconds * 1e3:8.2f} ms{overhead}")
    print(f"  statistics of all {len(params)} parameters alone: {stats_seconds * 1e3:.3f} ms "
          f"per logged step ({100 * stats_seconds / base:.1f}% of a step)")
    n_records = {name: len(logger.records) for name, logger in loggers.items()}
    print("  records written: " + ", ".join(f"{k}: {v}" for k, v in n_records.items()))


if __name__ == "__main__":
    main()
