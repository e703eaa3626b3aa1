"""The emulator's state on disk: checkpoints that survive `invoke down`, a crash or a reboot, and
snapshots a user saves, loads and hands to a colleague.

- pickling.py: moto's backends and the emulator's own parts as one pickle; large bytes and strings
  (function code, objects) go to content-addressed blobs written once;
- store.py: the checkpoint file and its blobs, written atomically and fsynced; refusal of a state
  another moto or format wrote;
- gate.py: requests pass together, a checkpoint waits for those in flight and holds new ones while
  it copies, so every service is captured at one instant;
- checkpoints.py: what is captured and restored, and the clock that writes it when something changed;
- snapshots.py: named copies of a checkpoint with the Terraform state that describes it.
"""
