"""The 16 slides and their titlers, one module per slide (spec projector.md §7)."""
