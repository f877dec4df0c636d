"""Losses: ``loss(pred, target) -> scalar``, the mean over the batch, in float32.

Keras' own losses are used where they compute the standard's formula (MSE, Huber, BCE,
BinaryFocalCrossentropy, SparseCategoricalCrossentropy); log-L2, GIoU and lars76's softmax
focal loss are written with keras.ops.
"""
