"""The platform's whole bill: what each entry point costs per 1,000 requests, measured on the emulator,
and what an environment costs a month at its traffic, priced from `prices.json`."""
