"""Fits the linear model on the training split and writes the weights and the training error."""
import argparse
import json
import os

import linear

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
parser.add_argument("--holdout", type=float, required=True)
parser.add_argument("--model", required=True)
parser.add_argument("--metrics", required=True)
args = parser.parse_args()

train, _ = linear.split(linear.load(args.data), args.holdout)
weights = linear.fit(train)
for path in (args.model, args.metrics):
    os.makedirs(os.path.dirname(path), exist_ok=True)
with open(args.model, "w") as handle:
    json.dump({"weights": weights}, handle, indent=2, sort_keys=True)
with open(args.metrics, "w") as handle:
    json.dump({"train_mse": linear.mse(weights, train), "train_rows": len(train)}, handle, indent=2, sort_keys=True)
