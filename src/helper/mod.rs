//! The helper binary that runs inside planning and replay vertices.
