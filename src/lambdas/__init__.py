"""Code deployed to AWS Lambda: one package per service under `services`, shared code under `common`."""
