"""``advisor program``: the update as a training program a device runs without PyTorch.

ExecuTorch's training route (``torch.export`` of a module that returns its loss, the joint
forward-backward graph, ``to_edge``, ``to_executorch``) gives a ``.pte`` program with its own
memory plan and a small C++ runtime. This layer writes that program for one configuration,
checks it against the same steps in PyTorch, and says what it can and cannot run.
"""
