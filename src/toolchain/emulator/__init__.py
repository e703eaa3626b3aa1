"""The embedded AWS emulator: moto in-process, plus what moto lacks to run the platform for real.

Lambda execution (warm worker processes running the uploaded zips), asynchronous invocation with
retries and destinations, and a control API. Terraform applies to it exactly as to AWS.
"""
