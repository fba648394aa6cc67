"""Run functions of the operations, one module per concern; the registry in ``operations.py`` lists them."""
