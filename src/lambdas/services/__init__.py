"""One package per service; a function's zip holds its service package and `lambdas.common`."""
