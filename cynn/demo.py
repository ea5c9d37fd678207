"""``python -m cynn.demo``: LeNet-5 on scikit-learn's handwritten digits, end to end.

Trains the seed tutorials' LeNet (conv-pool-conv-pool-fc-fc-fc) on the 1,797 8x8
digit images bundled with scikit-learn (no download), upsampled to 16x16 so that
LeNet's 5x5 convolutions fit (conv1 pads by 2, as LeNet-5 pads MNIST's 28x28 to
32x32), standardised, with random one-pixel shifts as augmentation. It uses the
whole cynn stack: ``random_split`` into train/validation/test, ``DataLoader``, SGD
with momentum and ``StepLR``, a ``GradientLogger`` attached during training, and
writes a loss/accuracy curve and the gradient-flow figure.

Needs scikit-learn and matplotlib: ``pip install 'cynn-nn[demo]'``.

    python -m cynn.demo [--epochs 30] [--seed 0] [--out ./cynn-demo-output] [--threads N]
                        [--export model.onnx]

``--export`` also writes the trained model as ONNX (input ``image`` (N, 1, 16, 16)
with a dynamic batch size, output ``logits`` (N, 10)); it needs the onnx package:
``pip install 'cynn-nn[onnx]'``.
"""
import argparse
import os
import sys
import time

import numpy as np

import cynn
from cynn import nn
from cynn.hooks import GradientLogger
from cynn.utils.data import DataLoader, TensorDataset, random_split

__all__ = ["LeNet", "load_digits_tensors", "main", "run", "export_onnx"]

TARGET_ACCURACY = 0.97
DEFAULT_EPOCHS = 30


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


def _require(module, what):
    try:
        return __import__(module)
    except ImportError as exc:
        raise SystemExit(f"python -m cynn.demo needs {what}, which is not installed: "
                         f"pip install 'cynn-nn[demo]'") from exc


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


class ProgressBar:
    """A plain-text progress bar: redrawn in place on a terminal, one line per
    ``close()`` otherwise (logs, CI)."""

    def __init__(self, total, prefix, stream=None, width=24):
        self.total = total
        self.prefix = prefix
        self.stream = stream or sys.stdout
        self.width = width
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.count = 0
        self.suffix = ""

    def _line(self):
        filled = self.width * self.count // max(self.total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        count = f"{self.count:>{len(str(self.total))}}/{self.total}"
        return f"{self.prefix} [{bar}] {count} {self.suffix}"

    def update(self, n=1, suffix=""):
        self.count += n
        self.suffix = suffix
        if self.live:
            self.stream.write("\r" + self._line())
            self.stream.flush()

    def close(self, suffix=None):
        if suffix is not None:
            self.suffix = suffix
        self.stream.write(("\r" if self.live else "") + self._line() + "\n")
        self.stream.flush()


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


def run(epochs=DEFAULT_EPOCHS, seed=0, out="cynn-demo-output", limit=None, batch_size=32, lr=0.02,
        log_every=5, stream=None):
    """Train, validate and test LeNet on the digits; write the figures into ``out``.

    Returns a dict with ``test_accuracy``, ``val_accuracy``, ``seconds``, ``history``,
    ``curves_png``, ``gradients_png``, ``gradients_jsonl``, the ``logger`` and the
    trained ``model``.
    """
    stream = stream or sys.stdout
    _require("matplotlib", "matplotlib")
    start = time.perf_counter()
    cynn.manual_seed(seed)
    rng = np.random.default_rng(seed)
    images, labels = load_digits_tensors(limit)
    dataset = TensorDataset(images, labels)
    n_test = round(0.2 * len(dataset))
    n_val = round(0.1 * len(dataset))
    train_set, val_set, test_set = random_split(
        dataset, [len(dataset) - n_val - n_test, n_val, n_test])
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=256)
    test_loader = DataLoader(test_set, batch_size=256)
    print(f"cynn {cynn.__version__} demo: LeNet on scikit-learn digits (8x8 upsampled to "
          f"16x16), {len(train_set)} train / {len(val_set)} validation / {len(test_set)} "
          f"test images, {cynn.get_num_threads()} threads", file=stream)

    model = LeNet()
    criterion = nn.CrossEntropyLoss()
    optimizer = cynn.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    scheduler = cynn.optim.lr_scheduler.StepLR(optimizer, step_size=max(1, epochs // 3),
                                               gamma=0.3)
    logger = GradientLogger(model, every=log_every)
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    width = len(str(epochs))
    with logger:
        for epoch in range(1, epochs + 1):
            bar = ProgressBar(len(train_loader), f"epoch {epoch:>{width}}/{epochs}",
                              stream=stream)
            seen, loss_sum, correct = 0, 0.0, 0
            for x, y in train_loader:
                x = random_shift(x, rng)
                optimizer.zero_grad()
                logits = model(x)
                loss = criterion(logits, y)
                loss.backward()
                optimizer.step()
                seen += len(y)
                loss_sum += loss.item() * len(y)
                correct += int((logits.argmax(1) == y).sum().item())
                bar.update(suffix=f"loss {loss_sum / seen:.4f}")
            scheduler.step()
            val_loss, val_acc = evaluate(model, val_loader, criterion)
            history["train_loss"].append(loss_sum / seen)
            history["train_acc"].append(correct / seen)
            history["val_loss"].append(val_loss)
            history["val_acc"].append(val_acc)
            bar.close(suffix=f"loss {loss_sum / seen:.4f}  train acc {correct / seen:6.2%}  "
                             f"val loss {val_loss:.4f}  val acc {val_acc:6.2%}")
    _test_loss, test_acc = evaluate(model, test_loader, criterion)
    seconds = time.perf_counter() - start

    os.makedirs(out, exist_ok=True)
    curves_png = os.path.join(out, "training_curves.png")
    gradients_png = os.path.join(out, "gradient_flow.png")
    gradients_jsonl = os.path.join(out, "gradients.jsonl")
    _plot_curves(history, curves_png)
    logger.plot(gradients_png)
    logger.to_jsonl(gradients_jsonl)
    print(f"wrote {curves_png}\nwrote {gradients_png}\nwrote {gradients_jsonl} "
          f"({len(logger.records)} gradient records, every {log_every} steps)", file=stream)
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
                gradients_png=gradients_png, gradients_jsonl=gradients_jsonl, logger=logger,
                model=model)


def export_onnx(model, path, stream=None):
    """Write ``model`` (the demo's LeNet) to ``path`` as ONNX: input ``image``
    (N, 1, 16, 16) with a dynamic batch size, output ``logits`` (N, 10)."""
    import cynn.onnx
    cynn.onnx.export(model, cynn.zeros(1, 1, 16, 16), path, input_names=["image"],
                     output_names=["logits"],
                     dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    print(f"wrote {path} (ONNX)", file=stream or sys.stdout)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m cynn.demo",
        description="Train LeNet on scikit-learn's handwritten digits with cynn.")
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS,
                        help=f"training epochs (default {DEFAULT_EPOCHS})")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", default="cynn-demo-output",
                        help="directory for the figures (default ./cynn-demo-output)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for cynn's kernels (default: cynn.get_num_threads())")
    parser.add_argument("--export", metavar="PATH", default=None,
                        help="also write the trained model to PATH as ONNX (needs onnx)")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")
    if args.threads is not None:
        if args.threads < 1:
            parser.error("--threads must be at least 1")
        cynn.set_num_threads(args.threads)
    if args.export is not None:
        try:
            import onnx  # noqa: F401 -- checked before training, not after
        except ImportError:
            parser.error("--export needs the onnx package: pip install 'cynn-nn[onnx]'")
    result = run(epochs=args.epochs, seed=args.seed, out=args.out)
    if args.export is not None:
        export_onnx(result["model"], args.export)
    # only the default run promises the target; a shorter one just reports its accuracy
    if args.epochs != DEFAULT_EPOCHS:
        return 0
    return 0 if result["test_accuracy"] >= TARGET_ACCURACY else 1


if __name__ == "__main__":
    sys.exit(main())
