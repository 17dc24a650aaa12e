"""Text utilities shared by the stages (language identification)."""
