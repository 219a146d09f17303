//! Bad-input cases: see main.rs.
