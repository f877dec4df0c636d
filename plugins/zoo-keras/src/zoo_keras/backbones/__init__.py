"""Backbones: conv trunks, NHWC in (already preprocessed), feature map (N, h, w, C) out."""
