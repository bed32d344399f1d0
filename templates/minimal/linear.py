"""Least squares with the standard library only: shared by train.py and evaluate.py."""
import csv


def load(path):
    """Rows of (features, target) from a CSV whose last column is the target."""
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    return [([float(v) for v in row[:-1]], float(row[-1])) for row in rows]


def split(rows, holdout):
    """The first rows train, the last `holdout` fraction is held out: no randomness here."""
    cut = len(rows) - int(len(rows) * holdout)
    return rows[:cut], rows[cut:]


def predict(weights, features):
    return weights[0] + sum(w * x for w, x in zip(weights[1:], features))


def mse(weights, rows):
    return sum((predict(weights, x) - y) ** 2 for x, y in rows) / len(rows)


def fit(rows):
    """Solves the normal equations (X^T X) w = X^T y by Gaussian elimination."""
    design = [[1.0] + x for x, _ in rows]
    size = len(design[0])
    a = [[sum(r[i] * r[j] for r in design) for j in range(size)] for i in range(size)]
    b = [sum(r[i] * y for r, (_, y) in zip(design, rows)) for i in range(size)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(a[r][col]))
        a[col], a[pivot], b[col], b[pivot] = a[pivot], a[col], b[pivot], b[col]
        for row in range(col + 1, size):
            factor = a[row][col] / a[col][col]
            a[row] = [p - factor * q for p, q in zip(a[row], a[col])]
            b[row] -= factor * b[col]
    weights = [0.0] * size
    for row in reversed(range(size)):
        weights[row] = (b[row] - sum(a[row][k] * weights[k] for k in range(row + 1, size))) / a[row][row]
    return weights
