"""``python -m cynn.demo``: LeNet-5 on scikit-learn's handwritten digits, end to end.

Trains the seed tutorials' LeNet (conv-pool-conv-pool-fc-fc-fc) on the 1,797 8x8
digit images bundled with scikit-learn (no download), upsampled to 16x16 so that
LeNet's 5x5 convolutions fit (conv1 pads by 2, as LeNet-5 pads MNIST's 28x28 to
32x32), standardised, with random one-pixel shifts as augmentation. It uses the
whole cynn stack: ``random_split`` into train/validation/test, ``DataLoader``, SGD
with momentum and ``StepLR``, a ``GradientLogger`` attached during training, a tqdm
progress bar; it writes a loss/accuracy curve, the gradient-flow figure, the gradient
records and a checkpoint of the trained weights.

Needs scikit-learn, matplotlib and tqdm: ``pip install 'cynn-nn[demo]'``.

    python -m cynn.demo [--epochs 30] [--seed 0] [--out ./cynn-demo-output] [--threads N]
                        [--export model.onnx]
    mpiexec -n 2 python -m mpi4py -m cynn.demo --distributed [...]

``--export`` also writes the trained model as ONNX (input ``image`` (N, 1, 16, 16)
with a dynamic batch size, output ``logits`` (N, 10)); it needs the onnx package:
``pip install 'cynn-nn[onnx]'``.

``--distributed`` trains the same model with the same global batch of 32 on every
process mpiexec started (``pip install 'cynn-nn[mpi]'``): each takes its share of the
training set through a ``DistributedSampler`` and of every batch, and
``DistributedDataParallel`` averages the gradients. Rank 0 alone prints, draws the
progress bar and writes the files; its ``GradientLogger`` records the averaged
gradients, those the optimizer steps with.
"""
import argparse
import contextlib
import copy
import io
import os
import sys
import time

import numpy as np

import cynn
from cynn import nn
from cynn.hooks import GradientLogger
from cynn.utils.data import DataLoader, TensorDataset, random_split

__all__ = ["LeNet", "EpochProgress", "AveragedGradientReplay", "load_digits_tensors", "main", "run",
           "export_onnx"]

TARGET_ACCURACY = 0.97
DEFAULT_EPOCHS = 30
CHECKPOINT_NAME = "lenet_digits.safetensors"


class LeNet(nn.Module):
    """LeNet-5 for 1x16x16 inputs.

    Shape: (N, 1, 16, 16) -> conv1 (pad 2) (N, 6, 16, 16) -> pool (N, 6, 8, 8)
    -> conv2 (N, 16, 4, 4) -> pool (N, 16, 2, 2) -> fc1 (N, 120) -> fc2 (N, 84)
    -> fc3 (N, 10) logits.
    """

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool = nn.MaxPool2d(2)
        self.relu = nn.ReLU(inplace=True)
        self.fc1 = nn.Linear(16 * 2 * 2, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = x.flatten(1)
        x = self.relu(self.fc1(x))
        x = self.relu(self.fc2(x))
        return self.fc3(x)


def _require(module, what, extra="demo"):
    try:
        return __import__(module)
    except ImportError as exc:
        raise SystemExit(f"python -m cynn.demo needs {what}, which is not installed: "
                         f"pip install 'cynn-nn[{extra}]'") from exc


# Pixel statistics of the digits (values 0..16, scaled to [0, 1]) over the whole set;
# fixed constants so that every split and subset is standardised alike.
_PIXEL_MEAN = 0.3053
_PIXEL_STD = 0.3760
_BACKGROUND = (0.0 - _PIXEL_MEAN) / _PIXEL_STD


def load_digits_tensors(limit=None):
    """scikit-learn's digits as ``(images, labels)``: float32 (N, 1, 16, 16), each pixel
    repeated 2x2 and standardised; int64 (N,). ``limit`` keeps the first N samples."""
    _require("sklearn", "scikit-learn")
    from sklearn.datasets import load_digits
    digits = load_digits()
    images = digits.images / 16.0
    labels = digits.target.astype(np.int64)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    images = ((images - _PIXEL_MEAN) / _PIXEL_STD).astype(np.float32)
    images = images.repeat(2, axis=1).repeat(2, axis=2)[:, None]
    return cynn.from_numpy(np.ascontiguousarray(images)), cynn.from_numpy(labels)


def random_shift(images, rng, max_shift=1):
    """Shift each image of a (N, C, H, W) batch by up to ``max_shift`` pixels in each
    direction (uniformly at random), filling with the background value."""
    x = images.numpy()
    n, _, h, w = x.shape
    k = max_shift
    padded = np.pad(x, ((0, 0), (0, 0), (k, k), (k, k)), constant_values=_BACKGROUND)
    dy = rng.integers(0, 2 * k + 1, n)
    dx = rng.integers(0, 2 * k + 1, n)
    out = np.empty_like(x)
    for i in range(n):
        out[i] = padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w]
    return cynn.from_numpy(out)


class EpochProgress:
    """One epoch's progress over ``total`` batches, as a tqdm bar with the running loss
    (then the epoch's statistics) after it.

    On a terminal tqdm redraws the bar in place. Anywhere else (a log file, CI, the
    pipe through which mpiexec forwards a rank's output) the finished bar is written
    once, as one line: tqdm would otherwise rewrite its line after a carriage return at
    every refresh, and a log keeps every one of those. There the bar counts into a
    throwaway buffer and only its final text reaches ``stream``.
    """

    def __init__(self, total, desc, stream):
        tqdm = _require("tqdm", "tqdm").tqdm
        self.stream = stream
        self.live = hasattr(stream, "isatty") and stream.isatty()
        self.bar = tqdm(total=total, desc=desc, unit="batch",
                        file=stream if self.live else io.StringIO(),
                        leave=self.live, dynamic_ncols=self.live,
                        mininterval=0.1 if self.live else float("inf"))

    def update(self, postfix):
        self.bar.set_postfix_str(postfix, refresh=False)
        self.bar.update()

    def close(self, postfix):
        self.bar.set_postfix_str(postfix)
        if not self.live:
            self.stream.write(f"{self.bar}\n")
            self.stream.flush()
        self.bar.close()


class AveragedGradientReplay:
    """Lets a ``GradientLogger`` record the gradients ``DistributedDataParallel``
    averaged, rather than this rank's own.

    A GradientLogger hooks each gradient as backward produces it, before DDP's
    average is written into ``.grad`` at the end of backward. So the logger watches
    ``twin``, a copy of ``model`` whose parameters share ``model``'s storage (its
    weight norms are the model's), and ``replay()``, called after ``backward()``, runs
    a backward pass that hands each twin parameter exactly its model parameter's
    ``.grad``: one logger step per training step, with the averaged values.
    """

    def __init__(self, model):
        # a deep copy, not a new LeNet(): constructing one would draw from cynn's
        # generator on this rank only
        self.twin = copy.deepcopy(model)
        self.pairs = []
        for name, p in model.named_parameters():
            owner, _, attribute = name.rpartition(".")
            shared = nn.Parameter(p.detach())
            setattr(self.twin.get_submodule(owner), attribute, shared)
            self.pairs.append((p, shared))

    def replay(self):
        pairs = [(p, shared) for p, shared in self.pairs if p.grad is not None]
        if not pairs:
            return
        cynn.autograd.backward([shared for _, shared in pairs], [p.grad for p, _ in pairs])
        for _, shared in pairs:
            shared.grad = None


class _Discard(io.TextIOBase):
    """Where the output of ranks other than 0 goes."""

    def write(self, text):
        return len(text)


def evaluate(model, loader, criterion):
    """(mean loss, accuracy) of ``model`` over ``loader``, without recording a graph."""
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with cynn.no_grad():
        for x, y in loader:
            logits = model(x)
            total_loss += criterion(logits, y).item() * len(y)
            correct += int((logits.argmax(1) == y).sum().item())
            count += len(y)
    model.train()
    return total_loss / max(count, 1), correct / max(count, 1)


def _plot_curves(history, path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig = Figure(figsize=(10, 4), layout="constrained")
    FigureCanvasAgg(fig)
    ax_loss, ax_acc = fig.subplots(1, 2)
    ax_loss.plot(epochs, history["train_loss"], marker="o", label="train")
    ax_loss.plot(epochs, history["val_loss"], marker="o", label="validation")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="loss")
    ax_acc.plot(epochs, np.array(history["train_acc"]) * 100, marker="o", label="train")
    ax_acc.plot(epochs, np.array(history["val_acc"]) * 100, marker="o", label="validation")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.suptitle("LeNet on scikit-learn digits (cynn)")
    fig.savefig(path, dpi=110)


def _gradient_logging(model, every, distributed, rank):
    """``(logger, after_backward)``: the GradientLogger of this rank (None but on rank 0
    of a distributed run) and what must run after each ``backward()`` for it."""
    if not distributed:
        return GradientLogger(model, every=every), None
    if rank != 0:
        return None, None
    replay = AveragedGradientReplay(model)
    return GradientLogger(replay.twin, every=every), replay.replay


def _epoch_totals(loss_sum, correct, seen, distributed):
    """The epoch's summed loss, correct predictions and samples, over every rank."""
    if not distributed:
        return loss_sum, correct, seen
    import cynn.distributed as dist
    totals = cynn.tensor([loss_sum, correct, seen], dtype=cynn.float64)
    dist.all_reduce(totals)
    loss_sum, correct, seen = totals.tolist()
    return loss_sum, int(correct), int(seen)


def run(epochs=DEFAULT_EPOCHS, seed=0, out="cynn-demo-output", limit=None, batch_size=32, lr=0.02,
        log_every=5, stream=None, distributed=False):
    """Train, validate and test LeNet on the digits; write the figures, the gradient
    records and a checkpoint into ``out``.

    With ``distributed`` (the process group initialised, e.g. by ``main``), every rank
    trains on ``batch_size / world_size`` of each global batch of ``batch_size``, and
    only rank 0 prints to ``stream`` and writes files.

    Returns a dict with ``test_accuracy``, ``val_accuracy``, ``seconds``, ``history``,
    ``curves_png``, ``gradients_png``, ``gradients_jsonl``, ``checkpoint``, the ``logger``
    (None on the other ranks) and the trained ``model``.
    """
    stream = stream or sys.stdout
    _require("matplotlib", "matplotlib")
    _require("tqdm", "tqdm")
    rank, world_size = 0, 1
    if distributed:
        import cynn.distributed as dist
        from cynn.nn.parallel import DistributedDataParallel
        from cynn.utils.data.distributed import DistributedSampler
        rank, world_size = dist.get_rank(), dist.get_world_size()
        if batch_size % world_size:
            raise ValueError(f"a global batch of {batch_size} does not split evenly over "
                             f"{world_size} processes")
        if rank != 0:
            stream = _Discard()
    start = time.perf_counter()
    # the same seed on every rank: the same split and the same initial weights
    cynn.manual_seed(seed)
    # each rank its own augmentation shifts
    rng = np.random.default_rng((seed, rank) if distributed else seed)
    images, labels = load_digits_tensors(limit)
    dataset = TensorDataset(images, labels)
    n_test = round(0.2 * len(dataset))
    n_val = round(0.1 * len(dataset))
    train_set, val_set, test_set = random_split(
        dataset, [len(dataset) - n_val - n_test, n_val, n_test])
    sampler = None
    if distributed:
        sampler = DistributedSampler(train_set, seed=seed)
        train_loader = DataLoader(train_set, batch_size=batch_size // world_size,
                                  sampler=sampler)
    else:
        train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    # every rank evaluates the whole (small) sets on its identical replica: nothing to
    # gather, and every rank knows the test accuracy its exit status depends on
    val_loader = DataLoader(val_set, batch_size=256)
    test_loader = DataLoader(test_set, batch_size=256)
    threads = cynn.get_num_threads()
    threads = f"{threads} thread" + ("s" if threads > 1 else "")
    workers = (f"{world_size} processes x {threads}, batch {batch_size // world_size} each"
               if distributed else threads)
    print(f"cynn {cynn.__version__} demo: LeNet on scikit-learn digits (8x8 upsampled to "
          f"16x16), {len(train_set)} train / {len(val_set)} validation / {len(test_set)} "
          f"test images, {workers}", file=stream)

    model = LeNet()
    # before DDP registers its hooks, which a copy of the model must not take along
    logger, after_backward = _gradient_logging(model, log_every, distributed, rank)
    trained = DistributedDataParallel(model) if distributed else model
    criterion = nn.CrossEntropyLoss()
    optimizer = cynn.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    scheduler = cynn.optim.lr_scheduler.StepLR(optimizer, step_size=max(1, epochs // 3),
                                               gamma=0.3)
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    width = len(str(epochs))
    with logger if logger is not None else contextlib.nullcontext():
        for epoch in range(1, epochs + 1):
            if sampler is not None:
                sampler.set_epoch(epoch)
            progress = EpochProgress(len(train_loader), f"epoch {epoch:>{width}}/{epochs}",
                                     stream)
            seen, loss_sum, correct = 0, 0.0, 0
            for x, y in train_loader:
                x = random_shift(x, rng)
                optimizer.zero_grad()
                logits = trained(x)
                loss = criterion(logits, y)
                loss.backward()
                if after_backward is not None:
                    after_backward()
                optimizer.step()
                seen += len(y)
                loss_sum += loss.item() * len(y)
                correct += int((logits.argmax(1) == y).sum().item())
                progress.update(f"loss {loss_sum / seen:.4f}")
            scheduler.step()
            loss_sum, correct, seen = _epoch_totals(loss_sum, correct, seen, distributed)
            val_loss, val_acc = evaluate(model, val_loader, criterion)
            history["train_loss"].append(loss_sum / seen)
            history["train_acc"].append(correct / seen)
            history["val_loss"].append(val_loss)
            history["val_acc"].append(val_acc)
            progress.close(f"loss {loss_sum / seen:.4f}  train acc {correct / seen:6.2%}  "
                           f"val loss {val_loss:.4f}  val acc {val_acc:6.2%}")
    _test_loss, test_acc = evaluate(model, test_loader, criterion)
    seconds = time.perf_counter() - start

    curves_png = os.path.join(out, "training_curves.png")
    gradients_png = os.path.join(out, "gradient_flow.png")
    gradients_jsonl = os.path.join(out, "gradients.jsonl")
    checkpoint = os.path.join(out, CHECKPOINT_NAME)
    if rank == 0:
        os.makedirs(out, exist_ok=True)
        _plot_curves(history, curves_png)
        logger.plot(gradients_png)
        logger.to_jsonl(gradients_jsonl)
        cynn.save(model.state_dict(), checkpoint)
    print(f"wrote {curves_png}\nwrote {gradients_png}\nwrote {gradients_jsonl} "
          f"({len(logger.records) if logger else 0} gradient records, every {log_every} "
          f"steps)\nwrote {checkpoint}", file=stream)
    if epochs == DEFAULT_EPOCHS:
        verdict = "reached" if test_acc >= TARGET_ACCURACY else "did NOT reach"
        verdict = f"{verdict} the {TARGET_ACCURACY:.0%} target"
    else:
        verdict = (f"the {TARGET_ACCURACY:.0%} target applies to the default "
                   f"{DEFAULT_EPOCHS} epochs")
    print(f"test accuracy {test_acc:.2%} on {len(test_set)} held-out images "
          f"({verdict}) in {seconds:.1f} s wall time", file=stream)
    return dict(test_accuracy=test_acc, val_accuracy=history["val_acc"][-1] if epochs else None,
                seconds=seconds, history=history, curves_png=curves_png,
                gradients_png=gradients_png, gradients_jsonl=gradients_jsonl,
                checkpoint=checkpoint, logger=logger, model=model)


def export_onnx(model, path, stream=None):
    """Write ``model`` (the demo's LeNet) to ``path`` as ONNX: input ``image``
    (N, 1, 16, 16) with a dynamic batch size, output ``logits`` (N, 10)."""
    import cynn.onnx
    cynn.onnx.export(model, cynn.zeros(1, 1, 16, 16), path, input_names=["image"],
                     output_names=["logits"],
                     dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    print(f"wrote {path} (ONNX)", file=stream or sys.stdout)


def _threads_per_process():
    """The CPUs of this node shared out among the ranks mpiexec placed on it (mpiexec
    does not bind ranks to cores, so each would otherwise start a thread per CPU)."""
    from mpi4py import MPI
    node = MPI.COMM_WORLD.Split_type(MPI.COMM_TYPE_SHARED)
    try:
        return max(1, len(os.sched_getaffinity(0)) // node.Get_size())
    finally:
        node.Free()


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m cynn.demo",
        description="Train LeNet on scikit-learn's handwritten digits with cynn.")
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS,
                        help=f"training epochs (default {DEFAULT_EPOCHS})")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", default="cynn-demo-output",
                        help="directory for the figures, the gradient records and the checkpoint "
                             "(default ./cynn-demo-output)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for cynn's kernels (default: cynn.get_num_threads(); "
                             "with --distributed, the CPUs shared out among the ranks "
                             "on each node)")
    parser.add_argument("--export", metavar="PATH", default=None,
                        help="also write the trained model to PATH as ONNX (needs onnx)")
    parser.add_argument("--distributed", action="store_true",
                        help="train data-parallel on the processes of an MPI job: "
                             "mpiexec -n 2 python -m mpi4py -m cynn.demo --distributed "
                             "(needs mpi4py: pip install 'cynn-nn[mpi]')")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be at least 1")
    if args.export is not None:
        try:
            import onnx  # noqa: F401 -- checked before training, not after
        except ImportError:
            parser.error("--export needs the onnx package: pip install 'cynn-nn[onnx]'")
    if args.distributed:
        import cynn.distributed as dist
        if not dist.is_available():
            parser.error("--distributed needs mpi4py: pip install 'cynn-nn[mpi]'")
        dist.init_process_group("mpi")
        if args.threads is None and "OMP_NUM_THREADS" not in os.environ:
            args.threads = _threads_per_process()
    if args.threads is not None:
        cynn.set_num_threads(args.threads)
    result = run(epochs=args.epochs, seed=args.seed, out=args.out, distributed=args.distributed)
    if args.export is not None and (not args.distributed or dist.get_rank() == 0):
        export_onnx(result["model"], args.export)
    if args.distributed:
        dist.destroy_process_group()
    # only the default run promises the target; a shorter one just reports its accuracy
    if args.epochs != DEFAULT_EPOCHS:
        return 0
    return 0 if result["test_accuracy"] >= TARGET_ACCURACY else 1


if __name__ == "__main__":
    sys.exit(main())
