"""Whole-model timings, cynn vs torch in one process: a LeNet SGD training step (batch 16
and 128, 3x32x32 input) and an AlexNet forward pass (batch 2, 224x224, no grad).

Both libraries get the same thread count and identical weights; cases are interleaved
and the median of repeats is reported with the cynn/torch time ratio (lower is better).

    OMP_PROC_BIND=close OMP_PLACES=cores \
    GLIBC_TUNABLES=glibc.malloc.trim_threshold=4294967296:glibc.malloc.mmap_threshold=33554432 \
    python benchmarks/bench_models.py --threads 2
"""
import argparse
import statistics
import time

import numpy as np


def lenet(nn, F):
    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.view(x.size(0), -1)
            return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
    return LeNet()


def alexnet(nn):
    class AlexNet(nn.Module):
        def __init__(self, num_classes=1000):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
                nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
                nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2))
            self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
            self.classifier = nn.Sequential(
                nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
                nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
                nn.Linear(4096, num_classes))

        def forward(self, x):
            x = self.avgpool(self.features(x))
            return self.classifier(x.flatten(1))
    return AlexNet()


def copy_weights(src_torch, dst_cynn):
    """Give the cynn model the torch model's parameter values, name by name."""
    import cynn
    for (name, p), (other, q) in zip(src_torch.named_parameters(), dst_cynn.named_parameters()):
        assert name == other, (name, other)
        q.data.copy_(cynn.from_numpy(p.detach().numpy().copy()))


def median_time(fn, repeats, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    import torch
    import cynn
    torch.set_num_threads(args.threads)
    cynn.set_num_threads(args.threads)
    rows = []

    for batch in (16, 128):
        tnet = lenet(torch.nn, torch.nn.functional)
        cnet = lenet(cynn.nn, cynn.nn.functional)
        copy_weights(tnet, cnet)
        rng = np.random.default_rng(0)
        x = rng.standard_normal((batch, 3, 32, 32)).astype(np.float32)
        y = rng.integers(0, 10, batch)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        cx, cy = cynn.from_numpy(x), cynn.from_numpy(y)
        topt = torch.optim.SGD(tnet.parameters(), lr=0.01, momentum=0.9)
        copt = cynn.optim.SGD(cnet.parameters(), lr=0.01, momentum=0.9)
        tloss, closs = torch.nn.CrossEntropyLoss(), cynn.nn.CrossEntropyLoss()

        def torch_step():
            topt.zero_grad()
            tloss(tnet(tx), ty).backward()
            topt.step()

        def cynn_step():
            copt.zero_grad()
            closs(cnet(cx), cy).backward()
            copt.step()

        t_times, c_times = [], []
        for _ in range(3):  # interleave the two backends
            t_times.append(median_time(torch_step, args.repeats // 3))
            c_times.append(median_time(cynn_step, args.repeats // 3))
        rows.append((f"LeNet SGD step, batch {batch}", statistics.median(c_times),
                     statistics.median(t_times)))

    tnet = alexnet(torch.nn).eval()
    cnet = alexnet(cynn.nn).eval()
    copy_weights(tnet, cnet)
    x = np.random.default_rng(1).standard_normal((2, 3, 224, 224)).astype(np.float32)
    tx, cx = torch.from_numpy(x), cynn.from_numpy(x)

    def torch_fwd():
        with torch.no_grad():
            return tnet(tx)

    def cynn_fwd():
        with cynn.no_grad():
            return cnet(cx)

    np.testing.assert_allclose(cynn_fwd().numpy(), torch_fwd().numpy(), rtol=1e-3, atol=1e-3)
    t_times, c_times = [], []
    for _ in range(3):
        t_times.append(median_time(torch_fwd, max(3, args.repeats // 6), warmup=1))
        c_times.append(median_time(cynn_fwd, max(3, args.repeats // 6), warmup=1))
    rows.append(("AlexNet forward, batch 2, no grad", statistics.median(c_times),
                 statistics.median(t_times)))

    print(f"threads={args.threads}  (cynn {cynn.__version__}, torch {torch.__version__})")
    print(f"{'case':40s} {'cynn ms':>9s} {'torch ms':>9s} {'cynn/torch':>10s}")
    for name, c, t in rows:
        print(f"{name:40s} {c * 1e3:9.3f} {t * 1e3:9.3f} {c / t:10.2f}")


if __name__ == "__main__":
    main()
