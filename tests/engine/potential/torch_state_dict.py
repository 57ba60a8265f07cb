"""Prints a torch.save'd state dict as JSON lines {name, shape, dtype, b64} (the float32 bytes, little-endian),
read by PyTorch itself: the independent reference for electron/engine/potential/weights.ts."""
import base64
import json
import sys

import torch

state = torch.load(sys.argv[1], map_location="cpu", weights_only=True)
for name, tensor in state.items():
    t = tensor.detach().contiguous()
    print(json.dumps({
        "name": name,
        "shape": list(t.shape),
        "dtype": str(t.dtype),
        "b64": base64.b64encode(t.numpy().astype("<f4", copy=False).tobytes()).decode(),
    }))
