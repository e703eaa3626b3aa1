"""The operator's console: one local page that reads an environment through the AWS APIs (the
emulator's or an account's) and shows what runs, what fires and what waits (docs/console.md)."""
