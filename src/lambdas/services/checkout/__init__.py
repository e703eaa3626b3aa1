"""Checkout API: `POST /orders` accepts an order and queues it for the worker."""
