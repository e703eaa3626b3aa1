"""A seeded chaos run of the platform on the emulator, and the account of every input (`invoke chaos`)."""
