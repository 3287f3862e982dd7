"""Benchmarks that print figures: the CIFAR-10 recipes against time (cifar, `python -m
cnnlab.bench.cifar`), airbench94 beside them on a GPU (airbench), the explorers' update times (widgets),
and running a notebook with its parameters (notebook).

May import everything below it: concepts, draw, widgets, data, training. Nothing imports it.
"""
