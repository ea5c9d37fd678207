"""Fit y = 2x + 5 with autograd alone (the seed tutorial's first example, on cynn).

Run: python examples/linear_regression.py
"""
import cynn as torch

# Plain gradient descent is stable here only while lr * mean(x**2) < 2: cynn's generator
# draws other numbers than PyTorch's for the tutorial's seed 10, so this uses seed 1.
torch.manual_seed(1)
lr = 0.05

x = torch.rand(20, 1) * 10                 # (20, 1) inputs
y = 2 * x + (5 + torch.randn(20, 1))       # noisy targets

w = torch.randn((1), requires_grad=True)
b = torch.zeros((1), requires_grad=True)

for iteration in range(1000):
    y_pred = torch.add(torch.mul(w, x), b)
    loss = (0.5 * (y - y_pred) ** 2).mean()
    loss.backward()
    b.data.sub_(lr * b.grad)
    w.data.sub_(lr * w.grad)
    w.grad.zero_()
    b.grad.zero_()
    if iteration % 200 == 0 or loss.item() < 1:
        print(f"iteration {iteration:4d}  loss {loss.item():.4f}  w {w.item():.3f}  b {b.item():.3f}")
    if loss.item() < 1:
        break

assert loss.item() < 1, "linear regression did not converge"
print(f"converged: y = {w.item():.3f} x + {b.item():.3f}")
