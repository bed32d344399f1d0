"""Scores a pickled classifier on the test split: accuracy and macro F1."""
import argparse
import json
import os
import pickle

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--data", required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()

with open(args.model, "rb") as handle:
    model = pickle.load(handle)
x = np.load(os.path.join(args.data, "x_test.npy"))
y = np.load(os.path.join(args.data, "y_test.npy"))
predicted = model.predict(x)
os.makedirs(os.path.dirname(args.out), exist_ok=True)
with open(args.out, "w") as handle:
    json.dump({"accuracy": float(accuracy_score(y, predicted)),
               "f1_macro": float(f1_score(y, predicted, average="macro"))}, handle, indent=2, sort_keys=True)
