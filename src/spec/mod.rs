//! The build spec.
