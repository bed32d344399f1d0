"""Scores a linear model on the held-out split: mean squared error and R^2."""
import argparse
import json
import os

import linear

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--data", required=True)
parser.add_argument("--holdout", type=float, required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()

with open(args.model) as handle:
    weights = json.load(handle)["weights"]
_, test = linear.split(linear.load(args.data), args.holdout)
mean = sum(y for _, y in test) / len(test)
error = linear.mse(weights, test)
variance = sum((y - mean) ** 2 for _, y in test) / len(test)
os.makedirs(os.path.dirname(args.out), exist_ok=True)
with open(args.out, "w") as handle:
    json.dump({"test_mse": error, "test_r2": 1 - error / variance, "test_rows": len(test)}, handle, indent=2, sort_keys=True)
