"""Fits a scaled logistic regression on the training split; writes the model and its training accuracy."""
import argparse
import json
import os
import pickle

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
parser.add_argument("--C", type=float, required=True)
parser.add_argument("--max-iter", type=int, required=True)
parser.add_argument("--seed", type=int, required=True)
parser.add_argument("--model", required=True)
parser.add_argument("--metrics", required=True)
args = parser.parse_args()

x = np.load(os.path.join(args.data, "x_train.npy"))
y = np.load(os.path.join(args.data, "y_train.npy"))
model = make_pipeline(StandardScaler(), LogisticRegression(C=args.C, max_iter=args.max_iter, random_state=args.seed))
model.fit(x, y)
for path in (args.model, args.metrics):
    os.makedirs(os.path.dirname(path), exist_ok=True)
with open(args.model, "wb") as handle:
    pickle.dump(model, handle, protocol=5)
with open(args.metrics, "w") as handle:
    json.dump({"train_accuracy": float(model.score(x, y))}, handle, indent=2, sort_keys=True)
