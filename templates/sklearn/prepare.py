"""Splits scikit-learn's bundled digits data (no download) into train and test arrays."""
import argparse
import os

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

parser = argparse.ArgumentParser()
parser.add_argument("--seed", type=int, required=True)
parser.add_argument("--test-size", type=float, required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()

x, y = load_digits(return_X_y=True)
x_train, x_test, y_train, y_test = train_test_split(
    x, y, test_size=args.test_size, random_state=args.seed, stratify=y)
os.makedirs(args.out, exist_ok=True)
np.save(os.path.join(args.out, "x_train.npy"), x_train)
np.save(os.path.join(args.out, "y_train.npy"), y_train)
np.save(os.path.join(args.out, "x_test.npy"), x_test)
np.save(os.path.join(args.out, "y_test.npy"), y_test)
