"""One module per loss, named by its id: the reference function and its ``SPEC``."""
